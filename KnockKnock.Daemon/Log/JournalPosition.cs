namespace KnockKnock.Daemon.Log;

/// <summary>
/// Where <see cref="JournalSource"/> stands, saved between runs: <c>journal CURSOR</c>, the cursor of
/// the last entry read exactly as sd_journal_get_cursor(3) writes it in systemd 252 and later:
/// <c>s=SEQNUM_ID;i=SEQNUM;b=BOOT_ID;m=MONOTONIC;t=REALTIME;x=XOR_HASH</c> (ids 32 lower-case hex
/// digits, numbers 1 to 16). Only that shape is accepted: the cursor goes to sd_journal_seek_cursor.
/// </summary>
internal readonly record struct JournalPosition(string Cursor)
{
    public const string Kind = "journal";

    public string Format() => $"{Kind} {Cursor}";

    /// <summary>Parses what <see cref="Format"/> wrote; false for anything else.</summary>
    public static bool TryParse(string text, out JournalPosition position)
    {
        position = default;
        if (text.Split(' ') is not [Kind, var cursor] || !IsCursor(cursor))
        {
            return false;
        }
        position = new JournalPosition(cursor);
        return true;
    }

    public static bool IsCursor(string cursor)
    {
        if (cursor.Split(';') is not [var s, var i, var b, var m, var t, var x])
        {
            return false;
        }
        return Field(s, 's', 32, 32) && Field(i, 'i', 1, 16) && Field(b, 'b', 32, 32) && Field(m, 'm', 1, 16) && Field(t, 't', 1, 16) && Field(x, 'x', 1, 16);

        static bool Field(string field, char key, int min, int max)
            => field.Length >= 2 + min && field.Length <= 2 + max && field[0] == key && field[1] == '='
                && field.Skip(2).All(char.IsAsciiHexDigitLower);
    }
}
