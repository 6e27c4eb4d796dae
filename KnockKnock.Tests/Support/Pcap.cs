using System.Buffers.Binary;

namespace KnockKnock.Tests.Support;

/// <summary>
/// Reads the IP packets of a classic pcap file as tcpdump -w writes it (microsecond or nanosecond
/// magic, either byte order; link type Ethernet, what tcpdump -i VETH writes). Just enough for tests.
/// </summary>
internal static class Pcap
{
    private const int LinkEthernet = 1;
    private const int EthernetHeader = 14;

    public static IReadOnlyList<byte[]> IpPackets(string path)
    {
        var file = File.ReadAllBytes(path);
        if (file.Length < 24)
        {
            throw new InvalidDataException($"{path}: no pcap header");
        }
        var magic = BinaryPrimitives.ReadUInt32LittleEndian(file);
        var little = magic is 0xA1B2C3D4 or 0xA1B23C4D;
        if (!little && BinaryPrimitives.ReadUInt32BigEndian(file) is not (0xA1B2C3D4 or 0xA1B23C4D))
        {
            throw new InvalidDataException($"{path}: not a classic pcap file");
        }
        uint Read32(int at) => little ? BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at)) : BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(at));
        if (Read32(20) is var link and not LinkEthernet)
        {
            throw new InvalidDataException($"{path}: link type {link}, not Ethernet");
        }
        var packets = new List<byte[]>();
        for (var at = 24; at + 16 <= file.Length;)
        {
            var captured = (int)Read32(at + 8);
            var frame = file.AsSpan(at + 16, captured);
            at += 16 + captured;
            if (BinaryPrimitives.ReadUInt16BigEndian(frame[(EthernetHeader - 2)..]) is 0x0800 or 0x86DD)
            {
                packets.Add(frame[EthernetHeader..].ToArray());
            }
        }
        return packets;
    }
}
