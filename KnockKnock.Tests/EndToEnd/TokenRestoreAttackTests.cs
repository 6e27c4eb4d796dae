using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.EndToEnd;

/// <summary>
/// Invariant 6 against an attacker who holds one valid knock and can make the firewall change: a
/// second opening (here the attacker's own second knock, for another port) must not give the first,
/// already used opening its connection back. The rule-per-opening iptables design failed this under
/// iptables-legacy (it rewrote the whole table for every rule, restarting every rule's
/// <c>-m limit</c>); openings are set elements now, consumed by the first SYN, and this test holds
/// both backends to the invariant.
/// </summary>
[TestFixture("nft")]
[TestFixture("iptables")]
[Category("Root")]
[NonParallelizable]
public sealed class TokenRestoreAttackTests(string backend)
{
    private const int OtherService = 2223;

    [Test]
    public void Another_opening_does_not_give_a_used_opening_its_connection_back()
    {
        Root.Require();
        using var site = new KnockSite(backend, delaySeconds: 10, profiles: [("alpha", $"{KnockSite.Service},{OtherService}")], services: [KnockSite.Service, OtherService]);
        using var daemon = site.StartDaemon();

        site.ClientKnock(KnockSite.Service);
        Assert.That(daemon.WaitForLine($"port {KnockSite.Service} open", TimeSpan.FromSeconds(10)), Is.Not.Null, daemon.Output);
        Assert.That(site.TryConnect(out var first, timeout: TimeSpan.FromSeconds(5)), Is.True, "the knock's one connection");
        using (first)
        {
            Assert.That(site.CanConnect(), Is.False, "the opening is used up");

            site.ClientKnock(OtherService);
            Assert.That(daemon.WaitForLine($"port {OtherService} open", TimeSpan.FromSeconds(10)), Is.Not.Null, daemon.Output);
            Assert.That(site.CanConnect(OtherService), Is.True, "the second knock's own connection");

            Assert.That(site.CanConnect(), Is.False, "the first opening stays used up after the firewall changed");
        }
    }
}
