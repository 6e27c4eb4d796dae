extern alias client;

using System.Buffers.Binary;
using client::KnockKnock.Client;

namespace KnockKnock.Tests.Client;

/// <summary>The decoy schedule, the source port choice and the retransmitted SYN's fields, without a network.</summary>
[TestFixture]
public sealed class RetransmissionTests
{
    [TestCase(6, 0, 120_000, new[] { 1, 2, 4, 8, 16, 32 })]
    [TestCase(6, 4, 120_000, new[] { 1, 1, 1, 1, 1, 2, 4, 8, 16, 32 })]
    [TestCase(6, 0, 3_000, new[] { 1, 2, 3, 3, 3, 3 })]
    [TestCase(2, 0, 120_000, new[] { 1, 2 })]
    [TestCase(0, 0, 120_000, new int[0])]
    public void The_intervals_are_Linuxs_for_the_hosts_sysctls(int synRetries, int linearTimeouts, int rtoMaxMilliseconds, int[] seconds)
        => Assert.That(Retransmissions.Intervals(synRetries, linearTimeouts, rtoMaxMilliseconds).Select(interval => interval.TotalSeconds),
            Is.EqualTo(seconds.Select(second => (double)second)));

    [Test]
    public void The_timer_is_late_by_one_to_two_percent_plus_up_to_20_ms()
    {
        var second = TimeSpan.FromSeconds(1);
        Assert.That(Retransmissions.TimerLateness(second, 0, 0), Is.EqualTo(TimeSpan.FromMilliseconds(10)));
        Assert.That(Retransmissions.TimerLateness(second, 0.999, 0.999).TotalMilliseconds, Is.InRange(39.9, 40.0));
        Assert.That(Retransmissions.TimerLateness(TimeSpan.FromSeconds(4), 0.5, 0.5).TotalMilliseconds, Is.EqualTo(70).Within(0.001));
    }

    [Test]
    public void A_source_port_keeps_the_parity_of_the_range_low_end_and_stays_in_it()
    {
        Assert.That(EphemeralPorts.Pick(32768, 60999, (low, _) => low), Is.EqualTo(32768));
        Assert.That(EphemeralPorts.Pick(32768, 60999, (_, high) => high - 1), Is.EqualTo(60998));
        Assert.That(EphemeralPorts.Pick(1025, 1030, (_, high) => high - 1), Is.EqualTo(1029));
        Assert.That(EphemeralPorts.Pick(40000, 40000, (_, high) => high - 1), Is.EqualTo(40000));
        var ports = Enumerable.Range(0, 2000).Select(_ => EphemeralPorts.RandomConnectPort()).ToArray();
        Assert.That(ports.Select(port => port % 2).Distinct().Count(), Is.EqualTo(1), "one parity");
    }

    [Test]
    public void A_retransmission_keeps_ports_and_sequence_advances_ID_and_TSval_and_clears_ECN_setup_flags()
    {
        Assert.That(TcpSyn.TryRead(Syn(id: 0xFFFE, flags: 0xC2, reserved: 1, tsval: 1000), out var knock), Is.True);
        var third = knock!.ToRetransmission(3, 3041, clearEcn: true).Bytes;
        Assert.That(BinaryPrimitives.ReadUInt16BigEndian(third[4..]), Is.EqualTo(1), "IP ID + 3, wrapping");
        Assert.That(third.Slice(20, 8).ToArray(), Is.EqualTo(knock.Bytes.Slice(20, 8).ToArray()), "ports and sequence number");
        Assert.That(BinaryPrimitives.ReadUInt32BigEndian(third[44..]), Is.EqualTo(1000 + 3041), "TSval");
        Assert.That(third[33], Is.EqualTo(0x02), "SYN only: ECE and CWR cleared");
        Assert.That(third[32] & 0x0F, Is.EqualTo(0), "AE cleared");
        Assert.That(InternetChecksum.Compute(0, third[..20]), Is.EqualTo(0), "IPv4 header checksum");

        var kept = knock.ToRetransmission(1, 1000, clearEcn: false).Bytes;
        Assert.That(kept[33], Is.EqualTo(0xC2), "tcp_ecn_fallback = 0 keeps the flags");
    }

    // An IPv4 SYN with NOP, NOP, timestamp options (TSecr 0).
    private static byte[] Syn(ushort id, byte flags, byte reserved, uint tsval)
    {
        var packet = new byte[52];
        packet[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), 52);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), id);
        packet[8] = 64;
        packet[9] = 6;
        new byte[] { 198, 18, 1, 2, 198, 18, 1, 1 }.CopyTo(packet, 12);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(20), 40000);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(22), 7000);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(24), 0x89ABCDEF);
        packet[32] = (byte)((8 << 4) | reserved);
        packet[33] = flags;
        new byte[] { 1, 1, 8, 10 }.CopyTo(packet, 40);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(44), tsval);
        return packet;
    }
}
