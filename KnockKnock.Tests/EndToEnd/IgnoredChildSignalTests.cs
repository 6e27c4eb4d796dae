using System.Globalization;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.EndToEnd;

/// <summary>
/// Started by a parent that ignores SIGCHLD, the kernel would reap our children itself and every
/// waitpid would fail: the worker's firewall tools would all "fail", the daemon would lose the
/// worker's exit code and connect its unprivileged copy's. Each executable puts back the default
/// first thing (Interop.RestoreChildSignal), so all of it works as from any other parent.
/// </summary>
[TestFixture("iptables")]
[TestFixture("nft")]
[Category("Root")]
[NonParallelizable]
public sealed class IgnoredChildSignalTests(string backend)
{
    [Test]
    public void The_launcher_really_passes_an_ignored_SIGCHLD_on()
    {
        var result = Command.Run(IgnoredChildSignal.Launcher[0], [.. IgnoredChildSignal.Launcher.Skip(1), "/bin/cat", "/proc/self/status"]);
        Assert.That(result.ExitCode, Is.Zero, result.StdErr);
        Assert.That(IgnoredChildSignal.IsIgnoredIn(result.StdOut), Is.True);
    }

    [Test]
    public void A_daemon_started_with_SIGCHLD_ignored_starts_its_worker_which_runs_its_tools_and_a_knock_opens()
    {
        Root.Require();
        using var site = new KnockSite(backend);
        using var daemon = site.StartDaemon(launcher: IgnoredChildSignal.Launcher);
        Assert.That(IgnoredChildSignal.IsIgnored(daemon.ProcessId), Is.False, "the daemon put the default back");
        Assert.That(IgnoredChildSignal.IsIgnored(daemon.WorkerProcessId), Is.False, "the worker has the default");

        site.ClientKnock(KnockSite.Service);
        Assert.That(daemon.WaitForLine("accepted knock:", TimeSpan.FromSeconds(10)), Is.Not.Null, daemon.Output);
        Assert.That(site.CanConnect(), Is.True, daemon.Output);

        // Its reading of the firewall at start (nft list ruleset, iptables-save) and its wait for
        // the worker at the end both got their exit status.
        Assert.That(daemon.Stop(), Is.Zero, daemon.Output);
        Assert.That(daemon.Output, Does.Not.Contain("exit status is lost").And.Not.Contain("code -1"));
    }

    [Test]
    public void Connect_started_with_SIGCHLD_ignored_gets_its_unprivileged_copys_exit_code()
    {
        Root.Require();
        using var site = new KnockSite(backend, protocol: 2);
        using var daemon = site.StartDaemon();
        string[] connect = ["connect", site.Net.ServerAddress, KnockSite.Service.ToString(CultureInfo.InvariantCulture),
            "--profile-dir", Path.Combine(site.ClientDirectory, "alpha"), "--no-retransmit"];

        var result = site.Net.Client.Run(IgnoredChildSignal.Launcher[0], [.. IgnoredChildSignal.Launcher.Skip(1), Binaries.Client, .. connect], "ping\n", TimeSpan.FromSeconds(30));

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Ok), result.StdErr);
        Assert.That(result.StdOut, Is.EqualTo("ping\n"));
    }
}
