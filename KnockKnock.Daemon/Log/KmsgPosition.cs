using System.Globalization;

namespace KnockKnock.Daemon.Log;

/// <summary>
/// Where <see cref="KmsgSource"/> stands, saved between runs: the boot and the sequence number of the
/// last record read, <c>kmsg BOOT_ID SEQ</c> (32 lower-case hex digits, canonical decimal). Sequence
/// numbers start again at every boot, so one of another boot says nothing about this boot's ring.
/// </summary>
internal readonly record struct KmsgPosition(string BootId, ulong Sequence)
{
    public const string Kind = "kmsg";

    public string Format() => string.Create(CultureInfo.InvariantCulture, $"{Kind} {BootId} {Sequence}");

    /// <summary>Parses what <see cref="Format"/> wrote; false for anything else.</summary>
    public static bool TryParse(string text, out KmsgPosition position)
    {
        position = default;
        var words = text.Split(' ');
        if (words is not [Kind, var boot, var sequence] || !Log.BootId.IsBootId(boot) || !TryParseCanonical(sequence, out var value))
        {
            return false;
        }
        position = new KmsgPosition(boot, value);
        return true;
    }

    /// <summary>Decimal without sign, spaces or leading zeros, within 64 bits.</summary>
    internal static bool TryParseCanonical(string text, out ulong value)
        => ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && text == value.ToString(CultureInfo.InvariantCulture);
}
