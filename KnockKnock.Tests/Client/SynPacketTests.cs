extern alias client;

using System.Buffers.Binary;
using client::KnockKnock.Client;
using KnockKnock.Crypto.Counters;
using KnockKnock.Crypto.Profiles;
using KnockKnock.Crypto.Protocol;

using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Client;

[TestFixture]
public sealed class SynPacketTests
{
    private static readonly HostAddress ClientAddress = Addresses.Of("198.18.1.2");
    private static readonly HostAddress ServerAddress = Addresses.Of("198.18.1.1");

    // Computed independently (Python struct + RFC 1071 sum) for the fields below.
    private static readonly byte[] s_golden = Convert.FromHexString(
        "45000028123440004006" + "9A74" + "C6120102" + "C6120101" +
        "9C401E61" + "89ABCDEF" + "01234567" + "5002FEDC" + "CA16" + "0000");

    [Test]
    public void Write_produces_the_golden_bytes_for_known_fields()
    {
        var packet = new byte[SynPacket.Length];
        SynPacket.Write(packet, ClientAddress, ServerAddress, 40000, 7777, new KnockFields(0x1234, 0x89ABCDEF, 0x01234567, 0xFEDC));
        Assert.That(Convert.ToHexString(packet), Is.EqualTo(Convert.ToHexString(s_golden)));
    }

    [Test]
    public void Packet_is_40_bytes_SYN_only_with_DF_TTL_64_and_no_options()
    {
        var packet = Build(new KnockFields(1, 2, 3, 4), out _);
        Assert.That(packet, Has.Length.EqualTo(40));
        Assert.That(packet[0], Is.EqualTo(0x45), "IPv4, IHL 5");
        Assert.That(BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(2)), Is.EqualTo(40), "total length");
        Assert.That(BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(6)), Is.EqualTo(0x4000), "DF, offset 0");
        Assert.That(packet[8], Is.EqualTo(64), "TTL");
        Assert.That(packet[9], Is.EqualTo(6), "protocol TCP");
        Assert.That(packet[32], Is.EqualTo(0x50), "data offset 5, no options");
        Assert.That(packet[33], Is.EqualTo(0x02), "SYN only");
        Assert.That(BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(38)), Is.EqualTo(0), "urgent pointer");
    }

    [Test]
    public void Knock_fields_sit_in_ID_SEQ_ACK_WINDOW_big_endian()
    {
        var fields = new KnockFields(0xBEEF, 0xDEADBEEF, 0x0BADF00D, 0xCAFE);
        var packet = Build(fields, out var sourcePort);
        Assert.That(BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(4)), Is.EqualTo(fields.Id));
        Assert.That(HostAddress.FromBytes(packet.AsSpan(12, 4)), Is.EqualTo(ClientAddress));
        Assert.That(HostAddress.FromBytes(packet.AsSpan(16, 4)), Is.EqualTo(ServerAddress));
        Assert.That(BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(20)), Is.EqualTo(sourcePort));
        Assert.That(BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(22)), Is.EqualTo(7777));
        Assert.That(BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(24)), Is.EqualTo(fields.Sequence));
        Assert.That(BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(28)), Is.EqualTo(fields.Acknowledgment));
        Assert.That(BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(34)), Is.EqualTo(fields.Window));
    }

    [Test]
    public void Checksums_verify_when_recomputed_over_the_parsed_packet()
    {
        var random = new Random(20240521);
        for (var i = 0; i < 10_000; i++)
        {
            var fields = new KnockFields((ushort)random.Next(1, 65536), (uint)random.NextInt64(0, 1L << 32), (uint)random.NextInt64(0, 1L << 32), (ushort)random.Next(65536));
            var source = HostAddress.FromBytes(BitConverter.GetBytes(random.Next()));
            var destination = HostAddress.FromBytes(BitConverter.GetBytes(random.Next()));
            var packet = new byte[SynPacket.Length];
            SynPacket.Write(packet, source, destination, SynPacket.RandomSourcePort(), (ushort)random.Next(1, 65536), fields);

            // A correct header sums (checksum field included) to 0xFFFF: the recomputed checksum is 0.
            Assert.That(Rfc1071(packet.AsSpan(0, 20)), Is.Zero, "IPv4 header checksum");
            var parsedSource = BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(12));
            var parsedDestination = BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(16));
            var pseudo = new byte[12 + 20];
            BinaryPrimitives.WriteUInt32BigEndian(pseudo, parsedSource);
            BinaryPrimitives.WriteUInt32BigEndian(pseudo.AsSpan(4), parsedDestination);
            pseudo[9] = packet[9];
            BinaryPrimitives.WriteUInt16BigEndian(pseudo.AsSpan(10), (ushort)(packet.Length - 20));
            packet.AsSpan(20).CopyTo(pseudo.AsSpan(12));
            Assert.That(Rfc1071(pseudo), Is.Zero, "TCP checksum");
        }
    }

    [Test]
    public void Random_source_port_stays_in_32768_to_60999_and_covers_the_range()
    {
        var seen = new HashSet<ushort>();
        for (var i = 0; i < 200_000; i++)
        {
            var port = SynPacket.RandomSourcePort();
            Assert.That(port, Is.InRange((ushort)32768, (ushort)60999));
            seen.Add(port);
        }
        // 200,000 uniform draws over 28,232 ports leave a port unseen with probability ~e^-7.
        Assert.That(seen, Has.Count.GreaterThan(28_000));
        Assert.That(seen, Does.Contain((ushort)32768).Or.Contain((ushort)32769));
        Assert.That(seen, Does.Contain((ushort)60999).Or.Contain((ushort)60998));
    }

    [Test]
    public void Write_refuses_a_short_buffer_and_port_0()
    {
        var fields = new KnockFields(1, 2, 3, 4);
        Assert.That(() => SynPacket.Write(new byte[39], ClientAddress, ServerAddress, 40000, 7777, fields), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => SynPacket.Write(new byte[40], ClientAddress, ServerAddress, 40000, 0, fields), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    private static byte[] Build(in KnockFields fields, out ushort sourcePort)
    {
        var packet = new byte[SynPacket.Length];
        sourcePort = SynPacket.RandomSourcePort();
        SynPacket.Write(packet, ClientAddress, ServerAddress, sourcePort, 7777, fields);
        return packet;
    }

    // An independent RFC 1071 implementation, so the test does not trust the code under test.
    private static int Rfc1071(ReadOnlySpan<byte> data)
    {
        long sum = 0;
        for (var i = 0; i < data.Length; i += 2)
        {
            sum += (data[i] << 8) | (i + 1 < data.Length ? data[i + 1] : 0);
        }
        while (sum >> 16 != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return (int)(~sum & 0xFFFF);
    }
}
