using System.Buffers.Binary;
using KnockKnock.Crypto.Protocol;

namespace KnockKnock.Client;

/// <summary>
/// Builds the one packet a knock is: a 40-byte IPv4 + TCP SYN whose IP ID (16 bits), TCP sequence
/// (32), TCP acknowledgment (32) and TCP window (16) carry the sealed knock, big-endian, in that
/// order (DESIGN.md, "The data path"). Pure: no I/O besides the CSPRNG for the source port.
/// </summary>
/// <remarks>
/// IPv4 (RFC 791): version 4, IHL 5, TOS 0, total length 40, ID = knock, DF, TTL 64, protocol 6.
/// TCP (RFC 9293): data offset 5, SYN only, urgent 0, no options, no payload; checksum over the
/// pseudo-header (source, destination, zero, protocol, TCP length 20) and the TCP header.
/// Protocol v1 knocks are IPv4 only: both addresses must be IPv4.
/// </remarks>
internal static class SynPacket
{
    public const int Length = IpHeaderLength + TcpHeaderLength;

    /// <summary>Ephemeral range of Linux's default ip_local_port_range, so the SYN looks like any other.</summary>
    public const int MinimumSourcePort = 32768;
    public const int MaximumSourcePort = 60999;

    private const int IpHeaderLength = 20;
    private const int TcpHeaderLength = 20;
    private const byte TimeToLive = 64;
    private const byte ProtocolTcp = 6;
    private const ushort DontFragment = 0x4000;
    private const byte TcpFlagSyn = 0x02;

    /// <summary>A source port drawn from a CSPRNG, uniform in [32768, 60999].</summary>
    public static ushort RandomSourcePort()
        => checked((ushort)KernelRandom.GetInt32(MinimumSourcePort, MaximumSourcePort + 1));

    /// <summary>Writes the SYN into the first <see cref="Length"/> bytes of <paramref name="packet"/>.</summary>
    public static void Write(Span<byte> packet, HostAddress sourceAddress, HostAddress destinationAddress, ushort sourcePort, ushort destinationPort, in KnockFields fields)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(packet.Length, Length, nameof(packet));
        if (!sourceAddress.IsIPv4 || !destinationAddress.IsIPv4)
        {
            throw new ArgumentException("a v1 knock is an IPv4 packet");
        }
        ArgumentOutOfRangeException.ThrowIfZero(destinationPort);
        ArgumentOutOfRangeException.ThrowIfZero(sourcePort);

        var ip = packet[..IpHeaderLength];
        ip[0] = 0x45; // version 4, IHL 5 words
        ip[1] = 0;    // TOS
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], Length);
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], fields.Id);
        BinaryPrimitives.WriteUInt16BigEndian(ip[6..], DontFragment);
        ip[8] = TimeToLive;
        ip[9] = ProtocolTcp;
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], 0);
        sourceAddress.WriteBytes(ip[12..]);
        destinationAddress.WriteBytes(ip[16..]);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], InternetChecksum.Compute(0, ip));

        var tcp = packet.Slice(IpHeaderLength, TcpHeaderLength);
        BinaryPrimitives.WriteUInt16BigEndian(tcp, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], destinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], fields.Sequence);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[8..], fields.Acknowledgment);
        tcp[12] = TcpHeaderLength / 4 << 4; // data offset 5 words, reserved bits 0
        tcp[13] = TcpFlagSyn;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], fields.Window);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[18..], 0); // urgent pointer
        BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], InternetChecksum.Tcp(sourceAddress, destinationAddress, tcp));
    }
}
