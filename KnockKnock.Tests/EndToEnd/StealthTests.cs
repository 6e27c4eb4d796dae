using System.Buffers.Binary;
using System.Globalization;
using System.Text.RegularExpressions;
using KnockKnock.Tests.Client;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.EndToEnd;

/// <summary>
/// The stealth claim of protocol v2 (docs/PROTOCOL.md): a knock SYN is the client kernel's own SYN.
/// In the server namespace tcpdump captures a real connect() from the client namespace and the
/// client's knock to the same server; with the per-connection fields masked (addresses, ports, IP ID
/// or flow label, sequence number, TSval, checksums), the two packets are byte for byte the same:
/// TTL or hop limit, DF, TOS, lengths, window, urgent pointer, flags, every option (kinds, order, MSS,
/// window scale, TSecr 0) and ack 0. The per-connection fields are all non-zero (p0f's quirks id+,
/// flow, no seq-, no ts1-), both source ports have the parity connect() uses. With p0f installed,
/// its raw signatures of the two SYNs are also equal.
/// </summary>
[TestFixture(false)]
[TestFixture(true)]
[Category("Root")]
[NonParallelizable]
public sealed partial class StealthTests(bool ipv6)
{
    private const int ConnectPort = 8080;

    [Test]
    public void A_v2_knock_is_the_clients_own_SYN_but_for_its_per_connection_fields()
    {
        Root.Require();
        using var home = new TempDirectory();
        using var net = new TestNetwork();
        var server = ipv6 ? net.ServerAddress6 : net.ServerAddress;
        var knockPort = (ushort)Random.Shared.Next(20000, 30000);
        var profile = ClientProfile.Create(home.Path, server, knockPort, protocol: 2);
        var pcap = home.Combine("syns.pcap");

        IReadOnlyList<byte[]> packets;
        using (var capture = PacketCapture.Start(net.Server, net.ServerInterface, pcap, $"tcp and (dst port {ConnectPort} or dst port {knockPort})"))
        {
            // Nothing listens on the server: the connect() is refused, after its SYN went out.
            Assert.That(NamespaceSockets.CanConnect(net.Client, server, ConnectPort), Is.False);
            net.Client.Run(ClientBinary.Path, "-p", "22", server, "--profile-dir", profile, "--no-retransmit").Check();
            Thread.Sleep(500);
            packets = capture.Stop();
        }

        var captured = string.Join('\n', packets.Select(Convert.ToHexString));
        Assert.That(packets.Count(p => DestinationPort(p) == ConnectPort), Is.EqualTo(1), captured);
        Assert.That(packets.Count(p => DestinationPort(p) == knockPort), Is.EqualTo(1), captured);
        var connect = packets.Single(p => DestinationPort(p) == ConnectPort);
        var knock = packets.Single(p => DestinationPort(p) == knockPort);
        Assert.That(connect[0] >> 4, Is.EqualTo(ipv6 ? 6 : 4));
        Assert.That(Convert.ToHexString(Masked(knock)), Is.EqualTo(Convert.ToHexString(Masked(connect))),
            $"connect: {Convert.ToHexString(connect)}\nknock:   {Convert.ToHexString(knock)}");
        foreach (var packet in new[] { connect, knock })
        {
            var (carrier, sequence, timestamp, sourcePort) = PerConnection(packet);
            Assert.That(new[] { carrier, sequence, timestamp }, Has.None.Zero, "no p0f quirk: id+ / flow kept, no seq-, no ts1-");
            Assert.That(sourcePort % 2, Is.EqualTo(EphemeralLow() % 2), "the parity connect() gives source ports");
        }

        if (File.Exists("/usr/sbin/p0f"))
        {
            var signatures = P0fSignatures(pcap);
            Assert.That(signatures, Contains.Key(ConnectPort).And.ContainKey((int)knockPort), string.Join('\n', signatures));
            Assert.That(signatures[knockPort], Is.EqualTo(signatures[ConnectPort]));
        }
        else
        {
            Assert.Warn("p0f is not installed: its raw signatures were not compared (apt-get install p0f)");
        }
    }

    private static int DestinationPort(byte[] packet) => BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(IpLength(packet) + 2));

    private static int IpLength(byte[] packet) => packet[0] >> 4 == 4 ? (packet[0] & 0xF) * 4 : 40;

    /// <summary>The packet with its per-connection fields zeroed: what must be equal between the kernel's SYN and the knock.</summary>
    private static byte[] Masked(byte[] packet)
    {
        var masked = (byte[])packet.Clone();
        var ip = IpLength(packet);
        if (packet[0] >> 4 == 4)
        {
            masked.AsSpan(4, 2).Clear();    // ID
            masked.AsSpan(10, 10).Clear();  // header checksum, addresses
        }
        else
        {
            masked[1] &= 0xF0;              // flow label
            masked.AsSpan(2, 2).Clear();
            masked.AsSpan(8, 32).Clear();   // addresses
        }
        masked.AsSpan(ip, 8).Clear();       // ports, sequence number
        masked.AsSpan(ip + 16, 2).Clear();  // checksum
        masked.AsSpan(Timestamp(packet), 4).Clear();
        return masked;
    }

    /// <summary>The offset of TSval, found by walking the options (kind 8, length 10).</summary>
    private static int Timestamp(byte[] packet)
    {
        var ip = IpLength(packet);
        var end = ip + ((packet[ip + 12] >> 4) * 4);
        for (var at = ip + 20; at < end && packet[at] != 0;)
        {
            if (packet[at] == 1)
            {
                at++;
                continue;
            }
            if (packet[at] == 8 && packet[at + 1] == 10)
            {
                return at + 2;
            }
            at += packet[at + 1];
        }
        throw new AssertionException($"no timestamp option in {Convert.ToHexString(packet)}");
    }

    private static (uint Carrier, uint Sequence, uint Timestamp, ushort SourcePort) PerConnection(byte[] packet)
    {
        var ip = IpLength(packet);
        var carrier = packet[0] >> 4 == 4 ? BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(4)) : BinaryPrimitives.ReadUInt32BigEndian(packet) & 0xFFFFF;
        return (carrier, BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(ip + 4)), BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(Timestamp(packet))),
            BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(ip)));
    }

    private static int EphemeralLow() => int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split('\t', ' ')[0], CultureInfo.InvariantCulture);

    /// <summary>p0f's raw_sig of each SYN in the capture, by destination port.</summary>
    private static Dictionary<int, string> P0fSignatures(string pcap)
    {
        var output = Command.Run("p0f", "-r", pcap).StdOut;
        var signatures = new Dictionary<int, string>();
        foreach (Match block in SynBlock().Matches(output))
        {
            signatures[int.Parse(block.Groups[1].Value, CultureInfo.InvariantCulture)] = block.Groups[2].Value.Trim();
        }
        return signatures;
    }

    [GeneratedRegex(@"-> [^ ]+/(\d+) \(syn\) \]-.*?raw_sig\s+= ([^\n]+)", RegexOptions.Singleline)]
    private static partial Regex SynBlock();
}
