using KnockKnock.Crypto.Counters;
using KnockKnock.Crypto.Profiles;
using KnockKnock.Crypto.Protocol;
using KnockKnock.Daemon.Commands;
using KnockKnock.Daemon.Host;
using KnockKnock.Daemon.Log;
using KnockKnock.Tests.Support;
using Tmds.Linux;

namespace KnockKnock.Tests.EndToEnd;

/// <summary>
/// Reload by restart (systemctl reload = SIGHUP): the foreground daemon detaches its worker (exit
/// 0, openings kept), exits <see cref="ExitCodes.Reload"/> with its log line and without its
/// status file; a fresh daemon keeps the old opening, which still admits its one connection, and
/// takes new knocks. SIGTERM afterwards still removes every opening.
/// </summary>
[TestFixture("nft")]
[TestFixture("iptables")]
[Category("Root")]
[NonParallelizable]
public sealed class ReloadTests(string backend)
{
    private const string ReloadLine = "SIGHUP: reloading by restart: the profiles are root-only and this process dropped root; "
        + "openings are kept, exiting with code 75 so the service manager starts a fresh daemon";

    [Test]
    public void Sighup_exits_75_keeping_the_opening_and_a_fresh_daemon_honours_it()
    {
        Root.Require();
        using var site = new KnockSite(backend, delaySeconds: 20);
        var old = site.StartDaemon();
        var oldWorker = old.WorkerProcessId;
        site.ClientKnock(KnockSite.Service);
        Assert.That(old.WaitForLine("accepted knock:", TimeSpan.FromSeconds(10)), Is.Not.Null, old.Output);
        Assert.That(site.Openings(), Has.Count.EqualTo(1), "a 20 s opening exists");

        Assert.That(old.Signal(LibC.SIGHUP, "HUP"), Is.EqualTo(ExitCodes.Reload), old.Output);

        Assert.That(old.Lines(ReloadLine), Has.Count.EqualTo(1), old.Output);
        Assert.That(old.Lines($"the firewall worker (pid {oldWorker}) detached and exited with code 0; openings kept"), Has.Count.EqualTo(1), old.Output);
        // (Its rejection count may include LOG lines of other sites that share the kernel log: see KnockSite.OwnRejections.)
        Assert.That(old.Output, Does.Match(@"stopping: 1 knock\(s\) accepted, \d+ rejected; keeping the openings"), old.Output);
        Assert.That(old.Output, Does.Not.Contain("failed").And.Not.Contain("exited with code 1"));
        Assert.That(DaemonProcess.IsAlive(oldWorker), Is.False, "the worker is gone");
        Assert.That(File.Exists(Path.Combine(site.StateDirectory, DaemonStatus.FileName)), Is.False, "the status file is removed");
        Assert.That(site.Openings(), Has.Count.EqualTo(1), "the opening outlived daemon and worker");

        using var fresh = site.StartDaemon();
        // "started:" does not wait for the worker's start-up: give it a moment, then the opening must still be there.
        Thread.Sleep(1000);
        Assert.That(site.Openings(), Has.Count.EqualTo(1), "the fresh worker kept the live opening");
        Assert.That(site.CanConnect(), Is.True, "the old opening admits its connection after the reload");
        Assert.That(site.CanConnect(), Is.False, "but only one");

        site.ClientKnock(KnockSite.Service);
        Assert.That(fresh.WaitForLine("accepted knock:", TimeSpan.FromSeconds(10)), Is.Not.Null, fresh.Output);
        Assert.That(site.CanConnect(), Is.True, "a fresh knock works after the reload");

        var unused = site.ClientKnock(KnockSite.Service);
        Assert.That(fresh.WaitForLine($"(counter {unused.Knock.Counter})", TimeSpan.FromSeconds(10)), Is.Not.Null, fresh.Output);
        Assert.That(site.Openings(), Is.Not.Empty, "an unused opening before the stop");
        Assert.That(fresh.Stop(), Is.Zero, fresh.Output);
        Assert.That(site.Openings(), Is.Empty, "SIGTERM still removes every opening");
    }
}
