using System.Buffers.Binary;

namespace KnockKnock.Client;

/// <summary>
/// The Internet checksum of RFC 1071: the ones' complement of the ones' complement sum of
/// 16-bit big-endian words (an odd trailing byte is padded with zero). A header whose checksum
/// field holds the right value sums to 0xFFFF, so <see cref="Compute"/> over it returns 0.
/// </summary>
internal static class InternetChecksum
{
    /// <summary>Adds <paramref name="data"/> to a running 32-bit sum (carries not yet folded).</summary>
    public static uint Sum(uint partial, ReadOnlySpan<byte> data)
    {
        // At most a few dozen bytes go through here: the 32-bit accumulator cannot overflow.
        var sum = partial;
        var i = 0;
        for (; i + 1 < data.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        }
        if (i < data.Length)
        {
            sum += (uint)data[i] << 8;
        }
        return sum;
    }

    /// <summary>Folds the carries of <paramref name="partial"/> plus <paramref name="data"/> and complements.</summary>
    public static ushort Compute(uint partial, ReadOnlySpan<byte> data)
    {
        var sum = Sum(partial, data);
        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return unchecked((ushort)~sum);
    }
}
