using KnockKnock.Daemon.Firewall.Nft;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.EndToEnd;

/// <summary>
/// Protocol v2 end to end, for each firewall and each address family: the real client's knock opens
/// the port for its source over IPv4 and over IPv6, and everything else is refused: each of the 80
/// (IPv4) or 84 (IPv6) carrying bits flipped, the knock of one profile at another's knock port, a
/// port the profile may not open, the knock replayed (the same SYN, and from another source port),
/// a bound knock sent from another host. Tampered and misdirected copies leave the real knock
/// valid: it opens afterwards.
/// </summary>
[TestFixture("nft", false)]
[TestFixture("nft", true)]
[TestFixture("iptables", false)]
[TestFixture("iptables", true)]
[Category("Root")]
[NonParallelizable]
public sealed class ProtocolV2Tests(string backend, bool ipv6)
{
    [Test]
    public void The_client_knock_opens_and_every_forgery_is_refused()
    {
        Root.Require();
        using var site = new KnockSite(backend, delaySeconds: 30, profiles: [("alpha", "2222"), ("bravo", "2222")], protocol: 2);
        using var daemon = site.StartDaemon();
        var (client, server) = Addresses(site);

        // A valid alpha knock that never left the client: the copies below are made from it.
        var knock = site.ClientKnock(KnockSite.Service, "alpha", dryRun: true, ipv6: ipv6).Knock;
        Assert.That(knock.Destination, Is.EqualTo(server), "the client knocks the family asked for");
        var fields = knock.FieldsV2;
        var alpha = site.KnockPort("alpha");
        var forgeries = KnockSyn.EveryBitFlipped(fields, ipv6).Select(f => KnockSyn.Hex(client, server, knock.SourcePort, alpha, f)).ToList();
        forgeries.Add(KnockSyn.Hex(client, server, knock.SourcePort, site.KnockPort("bravo"), fields));
        Send(site, [.. forgeries]);

        var status = site.WaitForStatus(s => KnockSite.OwnRejections(s).Count >= forgeries.Count, $"{forgeries.Count} rejections");
        Assert.That(KnockSite.OwnRejections(status), Is.EqualTo(((long)forgeries.Count, $"BadTag={forgeries.Count}")), "every copy failed its tag: none was malformed");
        Assert.That(status.Accepted, Is.Zero);
        Assert.That(site.Openings(), Is.Empty);

        Send(site, KnockSyn.Hex(client, server, knock.SourcePort, alpha, fields));
        var accepted = daemon.WaitForLine("accepted knock:", TimeSpan.FromSeconds(10));
        Assert.That(accepted, Is.Not.Null, daemon.Output);
        Assert.That(accepted!.Text, Does.Contain($"source {client}, port 2222").And.Contain($"(counter {knock.Counter})"));
        Assert.That(site.CanConnect(ipv6: ipv6), Is.True, "the untampered knock opens after all the forgeries");

        // Replays: the same SYN (a retransmission, as far as anyone can tell) and the same fields from another port.
        Send(site, KnockSyn.Hex(client, server, knock.SourcePort, alpha, fields), KnockSyn.Hex(client, server, (ushort)(knock.SourcePort ^ 2), alpha, fields));
        status = site.WaitForStatus(s => s.Retransmissions + KnockSite.OwnRejections(s).Count >= forgeries.Count + 2, "the two replays");
        Assert.That((status.Accepted, status.Retransmissions, KnockSite.OwnRejections(status).Count), Is.EqualTo((1L, 1L, forgeries.Count + 1L)));

        // The real client, sending: it opens too (and its counter is past the dry run's).
        var sent = site.ClientKnock(KnockSite.Service, "alpha", ipv6: ipv6);
        Assert.That(sent.Knock.Counter, Is.GreaterThan(knock.Counter));
        Assert.That(daemon.WaitForLine($"(counter {sent.Knock.Counter})", TimeSpan.FromSeconds(10)), Is.Not.Null, daemon.Output);

        // A port the profile may not open: the knock is authentic, nothing opens.
        site.ClientKnock(9, "alpha", ipv6: ipv6);
        Assert.That(daemon.WaitForLine("which the profile may not open", TimeSpan.FromSeconds(10)), Is.Not.Null, daemon.Output);
        Assert.That(site.CanConnect(9, ipv6: ipv6), Is.False);
        // The status file is written at most every 250 ms after an opening: wait for the one that counts it.
        Assert.That(site.WaitForStatus(s => s.RejectedByReason.Contains("PortNotAllowed=1", StringComparison.Ordinal), "the refused port").Accepted, Is.EqualTo(2));
    }

    [Test]
    public void A_bound_knock_opens_only_from_the_source_it_was_sealed_for()
    {
        Root.Require();
        using var site = new KnockSite(backend, delaySeconds: 30, protocol: 2, bindSource: true);
        using var daemon = site.StartDaemon();
        var (client, server) = Addresses(site);
        var (peer, peerAddress, serverSide, peerAddress6, serverSide6) = site.Net.AddDualStackPeer("oth");

        var knock = site.ClientKnock(KnockSite.Service, dryRun: true, ipv6: ipv6).Knock;
        // The same SYN from the other host: same fields, its own source address.
        ChildProcess.RunIn(peer, "send-raw", ipv6
            ? KnockSyn.Hex(peerAddress6, serverSide6, knock.SourcePort, site.KnockPort(), knock.FieldsV2)
            : KnockSyn.Hex(peerAddress, serverSide, knock.SourcePort, site.KnockPort(), knock.FieldsV2)).Check();
        Assert.That(KnockSite.OwnRejections(site.WaitForStatus(s => KnockSite.OwnRejections(s).Count == 1, "the other host's copy refused")).ByReason, Is.EqualTo("BadTag=1"));

        Send(site, KnockSyn.Hex(client, server, knock.SourcePort, site.KnockPort(), knock.FieldsV2));
        var accepted = daemon.WaitForLine("accepted knock:", TimeSpan.FromSeconds(10));
        Assert.That(accepted, Is.Not.Null, daemon.Output);
        Assert.That(accepted!.Text, Does.Contain($"source {client}"));
        Assert.That(site.CanConnect(ipv6: ipv6), Is.True);
    }

    private (string Client, string Server) Addresses(KnockSite site)
        => ipv6 ? (site.Net.ClientAddress6, site.Net.ServerAddress6) : (site.Net.ClientAddress, site.Net.ServerAddress);

    /// <summary>
    /// Sends SYNs from the client namespace. The nft ruleset LOGs at most a burst of 20 knock SYNs per
    /// source, then 10 a second (NftRuleset.RatePerSecond): larger sets go out in bursts that it lets through.
    /// </summary>
    private static void Send(KnockSite site, params string[] packets)
    {
        foreach (var (chunk, i) in packets.Chunk(NftRuleset.Burst).Select((c, i) => (c, i)))
        {
            if (i > 0)
            {
                Thread.Sleep(TimeSpan.FromSeconds(1.1 * NftRuleset.Burst / NftRuleset.RatePerSecond));
            }
            ChildProcess.RunIn(site.Net.Client, ["send-raw", .. chunk]).Check();
        }
    }
}
