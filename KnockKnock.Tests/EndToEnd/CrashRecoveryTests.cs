using System.Diagnostics;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.EndToEnd;

/// <summary>
/// Worker and daemon killed with SIGKILL right after opening: the kernel still ends the opening
/// within delay + 1 s (invariant 6: nft set timeouts, iptables --datestop), and after a restart the
/// old knock is still refused (invariant 4: the counter was stored before the port opened) while a
/// fresh one works.
/// </summary>
[TestFixture("nft")]
[TestFixture("iptables")]
[Category("Root")]
[NonParallelizable]
public sealed class CrashRecoveryTests(string backend)
{
    [Test]
    public void After_SIGKILL_the_opening_expires_in_the_kernel_and_after_a_restart_the_old_knock_is_refused()
    {
        Root.Require();
        using var site = new KnockSite(backend, delaySeconds: 3);
        using var kernelLog = new KernelLogTail();
        var knockPort = site.KnockPort();
        long accepted;
        SentKnock sent;
        using (var daemon = site.StartDaemon())
        {
            sent = site.ClientKnock(KnockSite.Service);
            var line = daemon.WaitForLine("accepted knock:", TimeSpan.FromSeconds(10));
            Assert.That(line, Is.Not.Null, daemon.Output);
            accepted = line!.Timestamp;
            daemon.Kill();
            Assert.That(DaemonProcess.IsAlive(daemon.ProcessId) || DaemonProcess.IsAlive(daemon.WorkerProcessId), Is.False, "both are dead");
        }
        _ = KnockSite.WaitForLogLine(kernelLog, site.Net.ClientAddress, sent.Knock.SourcePort, knockPort);
        Assert.That(site.Openings(), Is.Not.Empty, "the opening outlived both processes (nobody cleaned it up)");

        KnockSite.SleepUntil(accepted + (long)((site.DelaySeconds + 1) * Stopwatch.Frequency));
        Assert.That(site.CanConnect(), Is.False, "the kernel ended the opening within delay + 1 s");

        using var restarted = site.StartDaemon();
        // "started:" does not wait for the worker's start-up reset: give it a moment.
        var clock = Stopwatch.StartNew();
        while (site.Openings().Count > 0 && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            Thread.Sleep(100);
        }
        Assert.That(site.Openings(), Is.Empty, "the restarted worker removed the expired leftover (live ones are kept: ReloadTests)");
        site.Resend(sent.Knock.Fields, sent.Knock.SourcePort, knockPort);
        var replayed = KnockSite.WaitForLogLine(kernelLog, site.Net.ClientAddress, sent.Knock.SourcePort, knockPort);
        Assert.That(KnockSite.LoggedFields(replayed), Is.EqualTo(sent.Knock.Fields));
        Thread.Sleep(1000);
        Assert.That(restarted.Lines("accepted knock:"), Is.Empty, restarted.Output);
        Assert.That(site.CanConnect(), Is.False, "the old knock is refused after the restart");

        var fresh = site.ClientKnock(KnockSite.Service);
        Assert.That(restarted.WaitForLine($"(counter {fresh.Knock.Counter})", TimeSpan.FromSeconds(10)), Is.Not.Null, restarted.Output);
        Assert.That(restarted.Lines("accepted knock:"), Has.Count.EqualTo(1), restarted.Output);
        Assert.That(site.CanConnect(), Is.True, "a fresh knock works");
    }
}
