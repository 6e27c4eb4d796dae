using System.Diagnostics;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.EndToEnd;

/// <summary>
/// The whole path, for real: client SYN, firewall LOG, log source (/dev/kmsg, or a syslog file the
/// test writes like syslogd would), daemon, root worker, firewall opening. Proves invariant 6: one
/// knock admits one connection from that source to that port, only for the delay, and an
/// established connection outlives the opening.
/// </summary>
[TestFixture("nft")]
[TestFixture("iptables")]
[Category("Root")]
[NonParallelizable]
public sealed class KnockOpensOneConnectionTests(string backend)
{
    [TestCase("kmsg")]
    [TestCase("file")]
    public void A_knock_opens_within_1s_for_one_connection_until_the_delay_and_the_connection_outlives_it(string source)
    {
        Root.Require();
        using var site = new KnockSite(backend, delaySeconds: 3);
        using var forwarder = source == "file" ? new KernelLogForwarder(site.LogFile, site.IsOurLogLine) : null;
        using var daemon = site.StartDaemon(fileSource: source == "file");

        var sent = site.ClientKnock(KnockSite.Service);
        var accepted = daemon.WaitForLine("accepted knock:", TimeSpan.FromSeconds(10));
        Assert.That(accepted, Is.Not.Null, daemon.Output);
        Assert.That(accepted!.Text, Does.Contain($"source {site.Net.ClientAddress}, port {KnockSite.Service} open for 3 s (counter {sent.Knock.Counter})"));
        var latency = KnockSite.Milliseconds(sent.Finished, accepted.Timestamp);
        TestContext.Out.WriteLine($"[{backend}/{source}] client ran {KnockSite.Milliseconds(sent.Started, sent.Finished):F0} ms; client exit -> 'accepted knock' {latency:F0} ms");

        var connectStart = Stopwatch.GetTimestamp();
        Assert.That(site.TryConnect(out var first, timeout: TimeSpan.FromSeconds(5)), Is.True, "connect once the knock was accepted");
        TestContext.Out.WriteLine($"[{backend}/{source}] client exit -> connected {KnockSite.Milliseconds(sent.Finished, Stopwatch.GetTimestamp()):F0} ms (handshake {KnockSite.Milliseconds(connectStart, Stopwatch.GetTimestamp()):F0} ms)");
        using (first)
        {
            Assert.That(site.CanConnect(), Is.False, "a second connection inside the delay: the port closed behind the first");
            // The opening was made before the daemon logged it, so it is gone by then + delay + 1 s.
            KnockSite.SleepUntil(accepted.Timestamp + (long)((site.DelaySeconds + 1) * Stopwatch.Frequency));
            Assert.That(site.CanConnect(), Is.False, "a new connection after the delay");
            Assert.That(site.Openings(), Is.Empty, "no opening is left after the delay");
            Assert.That(NamespaceSockets.Echoes(first!, "still here\n"), Is.True, "the established connection carries data both ways after the delay");
        }

        Assert.That(daemon.Lines("accepted knock:"), Has.Count.EqualTo(1), daemon.Output);
        // Shutdown has its own suite (SigtermShutdownTests).
    }
}
