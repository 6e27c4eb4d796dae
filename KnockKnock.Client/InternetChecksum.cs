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

    /// <summary>
    /// The TCP checksum of <paramref name="segment"/> (its checksum field holding 0) under the
    /// pseudo-header of its family: source, destination, zero, protocol 6, TCP length (RFC 9293
    /// section 3.1; for IPv6 RFC 8200 section 8.1, the length 32 bits and three zero bytes first).
    /// </summary>
    public static ushort Tcp(HostAddress source, HostAddress destination, ReadOnlySpan<byte> segment)
    {
        const byte ProtocolTcp = 6;
        Span<byte> pseudo = stackalloc byte[40];
        source.WriteBytes(pseudo);
        destination.WriteBytes(pseudo[source.Length..]);
        var addresses = 2 * source.Length;
        pseudo.Slice(addresses).Clear();
        if (source.IsIPv4)
        {
            pseudo[addresses + 1] = ProtocolTcp;
            BinaryPrimitives.WriteUInt16BigEndian(pseudo[(addresses + 2)..], checked((ushort)segment.Length));
            pseudo = pseudo[..(addresses + 4)];
        }
        else
        {
            BinaryPrimitives.WriteUInt32BigEndian(pseudo[addresses..], (uint)segment.Length);
            pseudo[addresses + 7] = ProtocolTcp;
        }
        return Compute(Sum(0, pseudo), segment);
    }
}
