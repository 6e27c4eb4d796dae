using System.Globalization;
using KnockKnock.Tests.EndToEnd;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Service;

/// <summary>
/// The daemon as a background service: it detaches (new session, pidfile), refuses a second
/// instance, knocks work, `status` shows the opening with its time left, `flush` removes openings,
/// and SIGTERM removes openings and pidfile.
/// </summary>
[TestFixture("nft")]
[TestFixture("iptables")]
[Category("Root")]
[NonParallelizable]
public sealed class BackgroundServiceTests(string backend)
{
    private static CommandResult StartInBackground(KnockSite site, string pidFile) =>
        site.Net.Server.Run(Binaries.Daemon, "--config-dir", site.ConfigDirectory, "--state-dir", site.StateDirectory,
            "--pidfile", pidFile, "--firewall", site.Backend);

    private static CommandResult Status(KnockSite site, string? pidFile = null) =>
        Command.Run(Binaries.Daemon, "status", "--config-dir", site.ConfigDirectory, "--state-dir", site.StateDirectory, "--pidfile", pidFile ?? site.PidFile);

    private static int ReadPid(string pidFile) => int.Parse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture);

    /// <summary>The pid in the launcher's "knockknock-daemon is running in the background (pid N)" line.</summary>
    internal static int LaunchedPid(CommandResult start)
    {
        const string Marker = "in the background (pid ";
        var at = start.StdOut.IndexOf(Marker, StringComparison.Ordinal);
        Assert.That(at, Is.GreaterThanOrEqualTo(0), start.ToString());
        var digits = start.StdOut[(at + Marker.Length)..].TakeWhile(char.IsAsciiDigit).ToArray();
        return int.Parse(new string(digits), CultureInfo.InvariantCulture);
    }

    private static bool WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (condition())
            {
                return true;
            }
            Thread.Sleep(100);
        }
        return condition();
    }

    [Test]
    public void The_daemon_detaches_serves_knocks_refuses_a_second_instance_and_cleans_up_on_SIGTERM()
    {
        Root.Require();
        using var site = new KnockSite(backend, delaySeconds: 20);
        var pidFile = site.PidFile;
        var start = StartInBackground(site, pidFile);
        Assert.That(start.ExitCode, Is.EqualTo(0), start.ToString());
        // The launcher names the pid: known even if the pidfile were wrong, so the finally can end it.
        var pid = LaunchedPid(start);
        try
        {
            Assert.That(ReadPid(pidFile), Is.EqualTo(pid), "the pidfile holds the daemon's pid");
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            Assert.That(int.Parse(fields[3], CultureInfo.InvariantCulture), Is.EqualTo(pid), "the daemon leads its own session (setsid)");

            var second = StartInBackground(site, pidFile);
            Assert.That(second.ExitCode, Is.EqualTo(1));
            Assert.That(second.StdErr, Does.Contain($"another knockknock-daemon is running (pid {pid}, pidfile {pidFile})"));

            Assert.That(site.CanConnect(), Is.False, "closed before the knock");
            site.ClientKnock(KnockSite.Service);
            Assert.That(WaitUntil(() => site.Openings().Count == 1, TimeSpan.FromSeconds(5)), Is.True, "the knock opened");

            var status = Status(site);
            Assert.That(status.ExitCode, Is.EqualTo(0), status.ToString());
            Assert.That(status.StdOut, Does.Contain($"knockknock-daemon is running: pid {pid}"));
            Assert.That(status.StdOut, Does.Match($@"{site.Net.ClientAddress.Replace(".", "\\.", StringComparison.Ordinal)} -> port {KnockSite.Service} \(profile alpha\), (1[0-9]|20) s left"));
            Assert.That(status.StdOut, Does.Contain("knocks since start: 1 accepted"));
            Assert.That(status.StdOut, Does.Contain("alpha: knock port"));

            Assert.That(Command.Run("kill", "-TERM", pid.ToString(CultureInfo.InvariantCulture)).ExitCode, Is.EqualTo(0));
            Assert.That(WaitUntil(() => File.ReadAllText(pidFile).Length == 0, TimeSpan.FromSeconds(15)), Is.True, "pidfile emptied (the dropped daemon may not unlink it from root's directory)");
            Assert.That(site.Openings(), Is.Empty, "openings removed");
            Assert.That(Status(site).StdOut.Trim(), Is.EqualTo("knockknock-daemon is not running"));
        }
        finally
        {
            if (Directory.Exists($"/proc/{pid}"))
            {
                Command.Run("kill", "-KILL", pid.ToString(CultureInfo.InvariantCulture));
            }
        }
    }

    [Test]
    public void Flush_removes_the_running_daemons_openings_and_its_status_shows_none()
    {
        Root.Require();
        using var site = new KnockSite(backend, delaySeconds: 20);
        using var daemon = site.StartDaemon();
        site.ClientKnock(KnockSite.Service);
        Assert.That(WaitUntil(() => site.Openings().Count == 1, TimeSpan.FromSeconds(5)), Is.True, "the knock opened");
        var flush = site.Net.Server.Run(Binaries.Daemon, "flush", "--config-dir", site.ConfigDirectory, "--pidfile", site.PidFile);
        Assert.That(flush.ExitCode, Is.EqualTo(0), flush.ToString());
        Assert.That(flush.StdOut, Does.Contain($"asked the running daemon (pid {daemon.ProcessId})"));
        Assert.That(WaitUntil(() => site.Openings().Count == 0, TimeSpan.FromSeconds(5)), Is.True, "flushed");
        Assert.That(WaitUntil(() => Status(site).StdOut.Contains("openings: none", StringComparison.Ordinal), TimeSpan.FromSeconds(5)), Is.True, Status(site).StdOut);
        Assert.That(site.CanConnect(), Is.False);
    }

    [Test]
    public void A_worker_that_cannot_set_up_the_firewall_fails_the_start_before_the_launcher_reports_it_running()
    {
        Root.Require();
        using var site = new KnockSite(backend);
        // A set of the worker's name with other parameters, which it refuses to take over.
        if (backend == "nft")
        {
            var conflicting = Path.Combine(site.Directory, "conflicting.nft");
            File.WriteAllText(conflicting, File.ReadAllText(Path.Combine(site.Directory, "ruleset.nft")).Replace("flags dynamic, timeout", "flags dynamic", StringComparison.Ordinal));
            site.Net.Server.Exec("nft", "delete", "table", "inet", "knockknock");
            site.Net.Server.Exec("nft", "-f", conflicting);
        }
        else
        {
            site.Net.Server.Exec("ipset", "create", "knockknock", "hash:ip");
        }
        var start = StartInBackground(site, site.PidFile);
        Assert.That(start.ExitCode, Is.EqualTo(1), start.ToString());
        Assert.That(start.StdOut, Does.Not.Contain("in the background"), start.ToString());
        Assert.That(start.StdErr.TrimEnd().Split('\n'), Is.EqualTo(new[] { start.StdErr.TrimEnd() }), "one line");
        Assert.That(start.StdErr, Does.StartWith("knockknock-daemon: knockknock worker: cannot set up the firewall: "), start.ToString());
        Assert.That(!File.Exists(site.PidFile) || File.ReadAllText(site.PidFile).Length == 0, Is.True, "no pid left behind");
    }

    [Test]
    public void Start_up_errors_reach_the_terminal_as_one_line_and_a_non_zero_exit()
    {
        Root.Require();
        using var site = new KnockSite(backend);
        File.SetUnixFileMode(Path.Combine(site.ConfigDirectory, "profiles", "alpha", "secret"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        var pidFile = site.PidFile;
        var start = StartInBackground(site, pidFile);
        Assert.That(start.ExitCode, Is.EqualTo(2), start.ToString());
        Assert.That(start.StdErr.TrimEnd().Split('\n'), Is.EqualTo(new[] { $"knockknock-daemon: unsafe permissions 0604 on {Path.Combine(site.ConfigDirectory, "profiles", "alpha", "secret")} (group or others may read or write it): run chmod 600 {Path.Combine(site.ConfigDirectory, "profiles", "alpha", "secret")}" }));
        Assert.That(!File.Exists(pidFile) || File.ReadAllText(pidFile).Length == 0, Is.True, "no pid left behind");
    }
}
