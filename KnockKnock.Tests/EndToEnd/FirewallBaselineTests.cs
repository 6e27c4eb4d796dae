using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.EndToEnd;

/// <summary>
/// The firewall the end-to-end suites run against, before any daemon: what a scanner sees. Proves the
/// test set-up is a real default-drop filter, so every "connect succeeds" elsewhere is the knock's doing.
/// </summary>
[TestFixture("nft")]
[TestFixture("iptables")]
[Category("Root")]
[NonParallelizable]
public sealed class FirewallBaselineTests(string backend)
{
    [Test]
    public void Without_a_knock_the_service_is_unreachable_only_established_traffic_enters_and_knock_SYNs_are_logged()
    {
        Root.Require();
        using var site = new KnockSite(backend);
        var net = site.Net;

        Assert.That(site.CanConnect(), Is.False, "the listener on 2222 is behind the drop policy");
        Assert.That(net.Client.Run("ping", "-c", "1", "-W", "1", net.ServerAddress).ExitCode, Is.Not.Zero, "ICMP echo is dropped too");

        // Established traffic: a connection the server opens gets its replies in.
        using (NamespaceSockets.ListenEcho(net.Client, 4000))
        {
            Assert.That(NamespaceSockets.TryConnect(net.Server, net.ClientAddress, 4000, out var outbound), Is.True, "server to client");
            using (outbound)
            {
                Assert.That(NamespaceSockets.Echoes(outbound!, "both ways\n"), Is.True, "replies of an established connection enter");
            }
        }

        // The knock port: a SYN there is logged with the sequence numbers (and dropped); one to the service is not logged.
        using var kernelLog = new KernelLogTail();
        site.Resend(new(4242, 1_000_001, 2_000_002, 3003), 40001, site.KnockPort());
        var line = KnockSite.WaitForLogLine(kernelLog, net.ClientAddress, 40001, site.KnockPort());
        Assert.That(KnockSite.LoggedFields(line), Is.EqualTo(new KnockKnock.Crypto.Protocol.KnockFields(4242, 1_000_001, 2_000_002, 3003)), line);
        Assert.That(line, Does.Contain(" SYN "));
        site.Resend(new(1, 2, 3, 4), 40002, KnockSite.Service);
        Assert.That(
            kernelLog.WaitFor(l => l.StartsWith(KnockSite.Prefix, StringComparison.Ordinal) && l.Contains(" SPT=40002 ", StringComparison.Ordinal), TimeSpan.FromSeconds(2)),
            Is.Null,
            "a SYN to the service port is not a knock and is not logged");
        Assert.That(site.CanConnect(site.KnockPort()), Is.False, "the knock port itself never answers");
    }
}
