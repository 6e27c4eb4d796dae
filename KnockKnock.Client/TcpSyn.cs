using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using KnockKnock.Crypto.Protocol;

namespace KnockKnock.Client;

/// <summary>
/// One TCP SYN as it goes on the wire, IP header (IPv4 without options, or IPv6 without extension
/// headers) and TCP header with options: the kernel's own SYN learned by <see cref="KernelSyn"/>,
/// the protocol v2 knock made from it (<see cref="ToKnock"/>) and the retransmissions a dropped
/// connect() would send after it (<see cref="ToRetransmission"/>). Every change rewrites the checksums.
/// </summary>
/// <remarks>
/// IPv4 (RFC 791): ID at 4, TTL at 8, addresses at 12 and 16. IPv6 (RFC 8200): flow label in the
/// low 20 bits of the first word, payload length at 4, hop limit at 7, addresses at 8 and 24.
/// TCP (RFC 9293): ports at 0 and 2, sequence at 4, options from 20 to the data offset; the
/// timestamp option (RFC 7323, kind 8, length 10) is found by walking the options, never at a fixed offset.
/// </remarks>
internal sealed class TcpSyn
{
    /// <summary>An IPv6 header and a TCP header with the most options it can have.</summary>
    public const int MaximumLength = 40 + 60;

    private const byte ProtocolTcp = 6;
    private const byte FlagSyn = 0x02;
    private const byte FlagAck = 0x10;
    private const byte FlagEce = 0x40;
    private const byte FlagCwr = 0x80;

    // AE, the Accurate ECN bit: the lowest of the reserved bits beside the data offset (RFC 9768).
    private const byte FlagAccurateEcn = 0x01;

    private readonly byte[] _packet;
    private readonly int _tcp;
    private readonly int _timestamp;

    private TcpSyn(byte[] packet, KnockFamily family, int tcp, int timestamp)
        => (_packet, Family, _tcp, _timestamp) = (packet, family, tcp, timestamp);

    public KnockFamily Family { get; }

    /// <summary>The packet's bytes.</summary>
    public ReadOnlySpan<byte> Bytes => _packet;

    /// <summary>Whether the SYN carries a timestamp option (a host with net.ipv4.tcp_timestamps = 0 sends none).</summary>
    public bool HasTimestamp => _timestamp >= 0;

    public HostAddress Destination => HostAddress.FromBytes(Family == KnockFamily.IPv4 ? _packet.AsSpan(16, 4) : _packet.AsSpan(24, 16));

    /// <summary>The IPv4 ID or the IPv6 flow label.</summary>
    public uint Carrier => Family == KnockFamily.IPv4
        ? BinaryPrimitives.ReadUInt16BigEndian(_packet.AsSpan(4))
        : BinaryPrimitives.ReadUInt32BigEndian(_packet) & 0xFFFFF;

    /// <summary>
    /// Reads a packet as a SYN: IPv4 (IHL 5) or IPv6 (next header TCP), lengths consistent, the SYN
    /// flag without ACK, well-formed options. False for anything else.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> packet, [NotNullWhen(true)] out TcpSyn? syn)
    {
        syn = null;
        if (packet.Length < 40 || packet.Length > MaximumLength)
        {
            return false;
        }
        KnockFamily family;
        int tcp;
        if (packet[0] == 0x45 && packet[9] == ProtocolTcp && BinaryPrimitives.ReadUInt16BigEndian(packet[2..]) == packet.Length)
        {
            (family, tcp) = (KnockFamily.IPv4, 20);
        }
        else if (packet[0] >> 4 == 6 && packet[6] == ProtocolTcp && packet.Length >= 60 && BinaryPrimitives.ReadUInt16BigEndian(packet[4..]) == packet.Length - 40)
        {
            (family, tcp) = (KnockFamily.IPv6, 40);
        }
        else
        {
            return false;
        }
        var header = (packet[tcp + 12] >> 4) * 4;
        var flags = packet[tcp + 13];
        if (header < 20 || tcp + header != packet.Length || (flags & FlagSyn) == 0 || (flags & FlagAck) != 0
            || !TryFindTimestamp(packet.Slice(tcp + 20, header - 20), out var timestamp))
        {
            return false;
        }
        syn = new TcpSyn(packet.ToArray(), family, tcp, timestamp < 0 ? -1 : tcp + 20 + timestamp);
        return true;
    }

    /// <summary>
    /// The knock: this SYN (the kernel's) from <paramref name="source"/>:<paramref name="sourcePort"/>
    /// to <paramref name="destination"/>:<paramref name="destinationPort"/>, carrying
    /// <paramref name="fields"/> in the IP ID or flow label, the sequence number and TSval.
    /// <paramref name="hopLimit"/> replaces the IPv6 hop limit (the route's, not loopback's).
    /// </summary>
    public TcpSyn ToKnock(HostAddress source, HostAddress destination, ushort sourcePort, ushort destinationPort, int? hopLimit, in KnockFieldsV2 fields)
    {
        if (!HasTimestamp)
        {
            throw new InvalidOperationException("a v2 knock needs the timestamp option");
        }
        if (source.IsIPv4 != (Family == KnockFamily.IPv4) || destination.IsIPv4 != (Family == KnockFamily.IPv4))
        {
            throw new ArgumentException($"a {Family} SYN needs {Family} addresses");
        }
        var knock = new TcpSyn((byte[])_packet.Clone(), Family, _tcp, _timestamp);
        var packet = knock._packet.AsSpan();
        if (Family == KnockFamily.IPv4)
        {
            source.WriteBytes(packet[12..]);
            destination.WriteBytes(packet[16..]);
        }
        else
        {
            source.WriteBytes(packet[8..]);
            destination.WriteBytes(packet[24..]);
            packet[7] = hopLimit is { } hops ? checked((byte)hops) : packet[7];
        }
        knock.SetCarrier(fields.Carrier);
        var tcp = packet[_tcp..];
        BinaryPrimitives.WriteUInt16BigEndian(tcp, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], destinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], fields.Sequence);
        BinaryPrimitives.WriteUInt32BigEndian(packet[_timestamp..], fields.Timestamp);
        knock.UpdateChecksums();
        return knock;
    }

    /// <summary>
    /// Retransmission number <paramref name="number"/> (1, 2, ...) of this SYN, sent
    /// <paramref name="elapsedMilliseconds"/> after it, as Linux sends them: the same ports and
    /// sequence number, TSval advanced by the elapsed milliseconds (a 1000 Hz clock), the IPv4 ID
    /// plus <paramref name="number"/> (wrapping), a new random non-zero IPv6 flow label, and with
    /// <paramref name="clearEcn"/> the ECN set-up flags ECE, CWR and AE cleared (net/ipv4/tcp_output.c
    /// does that on a SYN retransmission when tcp_ecn_fallback is on).
    /// </summary>
    public TcpSyn ToRetransmission(int number, uint elapsedMilliseconds, bool clearEcn)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(number, 1);
        var copy = new TcpSyn((byte[])_packet.Clone(), Family, _tcp, _timestamp);
        copy.SetCarrier(Family == KnockFamily.IPv4
            ? unchecked((ushort)(Carrier + (uint)number))
            : (uint)KernelRandom.GetInt32(1, 1 << 20));
        if (HasTimestamp)
        {
            var timestamp = copy._packet.AsSpan(_timestamp);
            BinaryPrimitives.WriteUInt32BigEndian(timestamp, unchecked(BinaryPrimitives.ReadUInt32BigEndian(timestamp) + elapsedMilliseconds));
        }
        if (clearEcn)
        {
            copy._packet[_tcp + 12] &= unchecked((byte)~FlagAccurateEcn);
            copy._packet[_tcp + 13] &= unchecked((byte)~(FlagEce | FlagCwr));
        }
        copy.UpdateChecksums();
        return copy;
    }

    /// <summary>The TCP source and destination ports.</summary>
    public (ushort Source, ushort Destination) Ports
        => (BinaryPrimitives.ReadUInt16BigEndian(_packet.AsSpan(_tcp)), BinaryPrimitives.ReadUInt16BigEndian(_packet.AsSpan(_tcp + 2)));

    private void SetCarrier(uint carrier)
    {
        if (Family == KnockFamily.IPv4)
        {
            BinaryPrimitives.WriteUInt16BigEndian(_packet.AsSpan(4), checked((ushort)carrier));
            return;
        }
        ArgumentOutOfRangeException.ThrowIfGreaterThan(carrier, 0xFFFFFu);
        var word = BinaryPrimitives.ReadUInt32BigEndian(_packet);
        BinaryPrimitives.WriteUInt32BigEndian(_packet, (word & 0xFFF00000) | carrier);
    }

    /// <summary>The IPv4 header checksum and the TCP checksum under the family's pseudo-header (RFC 9293, RFC 8200 section 8.1).</summary>
    private void UpdateChecksums()
    {
        var packet = _packet.AsSpan();
        var segment = packet[_tcp..];
        BinaryPrimitives.WriteUInt16BigEndian(segment[16..], 0);
        if (Family == KnockFamily.IPv4)
        {
            BinaryPrimitives.WriteUInt16BigEndian(packet[10..], 0);
            BinaryPrimitives.WriteUInt16BigEndian(packet[10..], InternetChecksum.Compute(0, packet[..20]));
        }
        var (source, destination) = Family == KnockFamily.IPv4
            ? (HostAddress.FromBytes(packet.Slice(12, 4)), HostAddress.FromBytes(packet.Slice(16, 4)))
            : (HostAddress.FromBytes(packet.Slice(8, 16)), HostAddress.FromBytes(packet.Slice(24, 16)));
        BinaryPrimitives.WriteUInt16BigEndian(segment[16..], InternetChecksum.Tcp(source, destination, segment));
    }

    /// <summary>Walks TCP options (EOL ends them, NOP is one byte, the rest kind, length, data); the TSval offset in them, or -1 without a timestamp option.</summary>
    private static bool TryFindTimestamp(ReadOnlySpan<byte> options, out int timestamp)
    {
        timestamp = -1;
        var at = 0;
        while (at < options.Length && options[at] != 0)
        {
            if (options[at] == 1)
            {
                at++;
                continue;
            }
            if (at + 2 > options.Length || options[at + 1] < 2 || at + options[at + 1] > options.Length)
            {
                return false;
            }
            if (options[at] == 8)
            {
                if (options[at + 1] != 10 || timestamp >= 0)
                {
                    return false;
                }
                timestamp = at + 2;
            }
            at += options[at + 1];
        }
        return true;
    }
}
