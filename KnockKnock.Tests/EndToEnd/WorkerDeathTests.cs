using KnockKnock.Crypto.Counters;
using KnockKnock.Crypto.Profiles;
using KnockKnock.Crypto.Protocol;
using KnockKnock.Tests.Support;
using Tmds.Linux;

namespace KnockKnock.Tests.EndToEnd;

/// <summary>
/// Invariant 5's other half: the daemon cannot open anything without its root worker, so when the
/// worker dies the daemon says so and exits non-zero (a service manager restarts it) instead of
/// reading knocks it can no longer honour.
/// </summary>
[TestFixture("nft")]
[TestFixture("iptables")]
[Category("Root")]
[NonParallelizable]
public sealed class WorkerDeathTests(string backend)
{
    [Test]
    public void When_the_worker_is_killed_the_daemon_logs_it_and_exits_1()
    {
        Root.Require();
        using var site = new KnockSite(backend);
        using var daemon = site.StartDaemon();
        var worker = daemon.WorkerProcessId;
        Assert.That(LibC.kill(worker, LibC.SIGKILL), Is.Zero);
        Assert.That(daemon.WaitForExit(TimeSpan.FromSeconds(10)), Is.EqualTo(ExitCodes.Failure), daemon.Output);
        Assert.That(daemon.Output, Does.Contain($"the firewall worker (pid {worker}) exited with code"));
    }
}
