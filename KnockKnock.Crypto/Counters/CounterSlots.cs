using System.Globalization;
using System.Text;

namespace KnockKnock.Crypto.Counters;

/// <summary>
/// The two-slot counter record (docs/PROTOCOL.md, "Counters") that the client's <c>counter</c> file
/// and the server's <c>STATE/counters/NAME.counter</c> hold: two fixed slots at offsets 0 and 4096,
/// so they never share a disk sector or a page. A slot is 39 ASCII bytes,
/// <c>KKC1 VVVVVVVVVVVVVVVV CCCCCCCCCCCCCCCC\n</c>: the value and its bitwise complement in lower-case
/// hex, so a torn or stale slot is told from a written one. The value is the larger valid slot; a
/// write goes to the other slot with one pwrite and one fdatasync, so a crash during it leaves the
/// old value or the new one, never a smaller one. Parsing and formatting only: each side does its
/// own I/O on its own descriptors.
/// </summary>
public static class CounterSlots
{
    /// <summary>The length of one slot.</summary>
    public const int SlotLength = 39;

    /// <summary>The offset of the second slot.</summary>
    public const int SecondSlot = 4096;

    /// <summary>The length of a whole record: both slots and the zeros between them.</summary>
    public const int RecordLength = SecondSlot + SlotLength;

    /// <summary>The slot text for <paramref name="value"/>.</summary>
    public static byte[] Format(ulong value)
        => Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"KKC1 {value:x16} {~value:x16}\n"));

    /// <summary>A new record: <paramref name="value"/> in both slots (so later writes never need a new block).</summary>
    public static byte[] Record(ulong value)
    {
        var record = new byte[RecordLength];
        var slot = Format(value);
        slot.CopyTo(record, 0);
        slot.CopyTo(record, SecondSlot);
        return record;
    }

    /// <summary>The value of a slot, or null when it is empty, torn or anything but a slot.</summary>
    public static ulong? Parse(ReadOnlySpan<byte> slot)
    {
        if (slot.Length != SlotLength || !slot.StartsWith("KKC1 "u8) || slot[21] != (byte)' ' || slot[38] != (byte)'\n'
            || !TryParseHex(slot.Slice(5, 16), out var value) || !TryParseHex(slot.Slice(22, 16), out var complement) || complement != ~value)
        {
            return null;
        }
        return value;
    }

    /// <summary>
    /// The value of a record whose slots parsed to <paramref name="first"/> and <paramref name="second"/>
    /// (null: not valid) and the slot that holds it (0 or 1; the next write goes to the other), or
    /// null when neither is valid.
    /// </summary>
    public static (ulong Value, int Newest)? Choose(ulong? first, ulong? second)
        => (first, second) switch
        {
            (null, null) => null,
            (null, ulong only) => (only, 1),
            (ulong only, null) => (only, 0),
            (ulong a, ulong b) => b > a ? (b, 1) : (a, 0),
        };

    /// <summary>16 lower-case hex digits (upper case is not what <see cref="Format"/> writes).</summary>
    private static bool TryParseHex(ReadOnlySpan<byte> digits, out ulong value)
    {
        value = 0;
        return !digits.ContainsAnyInRange((byte)'A', (byte)'F')
            && ulong.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }
}
