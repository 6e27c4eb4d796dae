using KnockKnock.Daemon.Firewall;
using KnockKnock.Daemon.Firewall.Nft;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.EndToEnd;

/// <summary>
/// DESIGN.md invariant 10 against a firewall reloaded under the running daemon: everything is
/// removed (nft <c>flush ruleset</c>; iptables and ip6tables <c>-F</c> and <c>-X</c>) and the
/// admin's base rules come back without the worker's part (nft: the admin's own table, whose
/// drop-policy chain LOGs knocks and accepts the knock mark; iptables: the INPUT policy, loopback,
/// established and LOG rules). The next knock still opens its port, once, and the daemon's log
/// says the worker recreated its part.
/// </summary>
[TestFixture("nft")]
[TestFixture("iptables")]
[Category("Root")]
[NonParallelizable]
public sealed class FirewallReloadTests(string backend)
{
    [Test]
    public void A_knock_after_a_reload_that_removed_the_workers_part_opens_its_port()
    {
        Root.Require();
        using var site = new KnockSite(backend, delaySeconds: 10);
        using var daemon = site.StartDaemon();
        site.ClientKnock(KnockSite.Service);
        Assert.That(daemon.WaitForLine("accepted knock:", TimeSpan.FromSeconds(10)), Is.Not.Null, daemon.Output);
        Assert.That(site.CanConnect(), Is.True, "a knock before the reload");

        Reload(site);
        Assert.That(site.CanConnect(), Is.False, "the reloaded base rules drop");

        var from = daemon.LineCount;
        var knock = site.ClientKnock(KnockSite.Service);
        Assert.That(daemon.WaitForLine($"(counter {knock.Knock.Counter})", TimeSpan.FromSeconds(10), from), Is.Not.Null, daemon.Output);
        Assert.That(site.CanConnect(), Is.True, "the knock after the reload opens the port: " + daemon.Output);
        Assert.That(site.CanConnect(), Is.False, "once");
        Assert.That(daemon.Lines("recreated what openings need", from), Has.Count.EqualTo(1), daemon.Output);
        Assert.That(daemon.Output, Does.Not.Contain("OpenFailed"));
    }

    /// <summary>What a reload of the admin's firewall does: everything goes, then the admin's base rules come back.</summary>
    private void Reload(KnockSite site)
    {
        var server = site.Net.Server;
        var port = site.KnockPort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (backend == "nft")
        {
            var file = Path.Combine(site.Directory, "admin.nft");
            File.WriteAllText(file, $$"""
                flush ruleset
                table inet filter {
                    chain input {
                        type filter hook input priority filter; policy drop;
                        iif "lo" accept
                        ct state established,related accept
                        icmpv6 type { {{NftRuleset.Icmpv6Types}} } accept
                        ct mark {{ConntrackMark.Text}} accept
                        tcp dport {{port}} tcp flags & (fin|syn|rst|ack) == syn log prefix "{{KnockSite.Prefix}}" flags tcp sequence,options drop
                    }
                }

                """);
            server.Exec("nft", "-f", file);
            return;
        }
        foreach (var tool in new[] { "iptables", "ip6tables" })
        {
            server.Exec(tool, "-w", "-F");
            server.Exec(tool, "-w", "-X");
        }
        server.Exec("iptables", "-w", "-P", "INPUT", "DROP");
        server.Exec("iptables", "-w", "-A", "INPUT", "-i", "lo", "-j", "ACCEPT");
        server.Exec("iptables", "-w", "-A", "INPUT", "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT");
        server.Exec("iptables", "-w", "-A", "INPUT", "-p", "tcp", "--dport", port, "--syn", "-j", "LOG", "--log-prefix", KnockSite.Prefix, "--log-tcp-sequence", "--log-tcp-options");
    }
}
