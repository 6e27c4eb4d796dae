using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.EndToEnd;

/// <summary>
/// A clean stop: SIGTERM to the daemon (by PID) ends it with exit 0 and a "stopping:" summary, and
/// the worker removes the openings it made (DaemonHost's documented life).
/// </summary>
[TestFixture("nft")]
[TestFixture("iptables")]
[Category("Root")]
[NonParallelizable]
public sealed class SigtermShutdownTests(string backend)
{
    [TestCase("file")]
    [TestCase("kmsg")]
    public void Sigterm_stops_the_daemon_with_exit_0_a_summary_and_no_opening_left(string source)
    {
        Root.Require();
        using var site = new KnockSite(backend, delaySeconds: 60);
        using var forwarder = source == "file" ? new KernelLogForwarder(site.LogFile, site.IsOurLogLine) : null;
        using var daemon = site.StartDaemon(fileSource: source == "file");
        var worker = daemon.WorkerProcessId;
        site.ClientKnock(KnockSite.Service);
        Assert.That(daemon.WaitForLine("accepted knock:", TimeSpan.FromSeconds(10)), Is.Not.Null, daemon.Output);
        Assert.That(site.Openings(), Is.Not.Empty, "a 60 s opening exists");

        Assert.That(daemon.Stop(), Is.Zero, daemon.Output);

        Assert.That(daemon.Lines("stopping: 1 knock(s) accepted"), Has.Count.EqualTo(1), daemon.Output);
        Assert.That(DaemonProcess.IsAlive(worker), Is.False, "the worker is gone");
        Assert.That(site.Openings(), Is.Empty, "the worker removed the opening on the way out");
        Assert.That(site.CanConnect(), Is.False);
    }
}
