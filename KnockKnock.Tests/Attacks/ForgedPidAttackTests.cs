using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using KnockKnock.Tests.EndToEnd;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Attacks;

/// <summary>
/// The daemon user writes the status file, and root's <c>flush</c> used to send SIGUSR1 to the pid
/// in it after checking only that the process's command line mentioned knockknock-daemon: a rewritten
/// pid line made root kill a root <c>tail -f knockknock-daemon.log</c>, the root worker, or any
/// process. Now root signals only the holder of the pidfile's lock, proven to run the daemon's
/// long-running image (knockknock-daemon-run, beside the command's file) as the daemon user, through a pidfd; anything else is one line, exit 1, nothing signalled.
/// </summary>
[Category("Root")]
[NonParallelizable]
public sealed partial class ForgedPidAttackTests
{
    [Test]
    public void Flush_never_signals_a_pid_forged_into_the_status_file()
    {
        Root.Require();
        using var site = new KnockSite("nft", delaySeconds: 30);
        using var daemon = site.StartDaemon();
        var worker = daemon.WorkerProcessId;
        // SIGUSR1 ends these (its default action), so a wrong signal shows; each names knockknock-daemon in its command line.
        using var rootTail = Command.Start("tail", ["-F", Path.Combine(site.Directory, "knockknock-daemon.log")]);
        using var nobodyShell = Command.Start("setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--", "sh", "-c", "sleep 600", "knockknock-daemon"]);
        Assert.That(WaitFor(() => File.Exists(site.StatusFile)), Is.True);
        var status = site.StatusFile;
        foreach (var forged in new[] { rootTail.Id, worker, nobodyShell.Id })
        {
            var text = File.ReadAllText(status);
            File.WriteAllText(status, PidLine().Replace(text, $"pid {forged.ToString(CultureInfo.InvariantCulture)}\n"));
            var flush = site.Net.Server.Run(Binaries.Daemon, "flush", "--config-dir", site.ConfigDirectory, "--pidfile", site.PidFile);
            Assert.That(flush.ExitCode, Is.Zero, flush.ToString());
            Assert.That(flush.StdOut, Does.Contain($"asked the running daemon (pid {daemon.ProcessId})"), "the real daemon, found by its lock");
            Thread.Sleep(300);
            Assert.That((rootTail.HasExited, DaemonProcess.IsAlive(worker), nobodyShell.HasExited), Is.EqualTo((false, true, false)), $"forged pid {forged}");
        }
        Assert.That(daemon.HasExited, Is.False);
        rootTail.Kill();
        nobodyShell.Kill(entireProcessTree: true);
    }

    /// <summary>
    /// Attack: a local user opens the pidfile and holds a read lock on it: the daemon's next start
    /// (a reload, a restart) would find the file locked and refuse ("another knockknock-daemon is
    /// running"), and flush would take the user's process for the daemon. The pidfile is root's
    /// alone (0600), and one an earlier version made 0644 becomes 0600 at the next start.
    /// </summary>
    [Test]
    public void No_other_user_can_open_the_pidfile_to_hold_a_lock_on_it()
    {
        Root.Require();
        using var site = new KnockSite("nft");
        Directory.CreateDirectory(Path.GetDirectoryName(site.PidFile)!);
        File.WriteAllText(site.PidFile, "");
        File.SetUnixFileMode(site.PidFile, (UnixFileMode)0x1A4); // 0644, as earlier versions made it
        using var daemon = site.StartDaemon();
        Assert.That(File.GetUnixFileMode(site.PidFile), Is.EqualTo((UnixFileMode)0x180), "0600");
        var hold = Command.Run("setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--", "/usr/bin/python3", "-c",
            "import fcntl, sys\nf = open(sys.argv[1])\nfcntl.lockf(f, fcntl.LOCK_SH | fcntl.LOCK_NB)\nprint('locked')", site.PidFile]);
        Assert.That(hold.StdOut, Does.Not.Contain("locked"), hold.ToString());
        Assert.That(hold.StdErr, Does.Contain("PermissionError"), hold.ToString());
    }

    [Test]
    public void Flush_signals_nothing_when_the_pidfile_lock_is_held_by_a_process_that_is_not_the_daemon()
    {
        Root.Require();
        using var site = new KnockSite("nft");
        using (var daemon = site.StartDaemon())
        {
            Assert.That(daemon.Stop(), Is.Zero, daemon.Output);
        }
        using var holder = ChildProcess.Start("hold-lock", site.PidFile);
        Assert.That(holder.StandardOutput.ReadLine(), Is.EqualTo("locked"));
        var flush = site.Net.Server.Run(Binaries.Daemon, "flush", "--config-dir", site.ConfigDirectory, "--pidfile", site.PidFile);
        Assert.That(flush.ExitCode, Is.EqualTo(ExitCodes.Failure), flush.ToString());
        Assert.That(flush.StdErr.TrimEnd().Split('\n'), Is.EqualTo(new[] { $"knockknock-daemon: not signalling pid {holder.Id}, which holds {site.PidFile}: pid {holder.Id} is not knockknock-daemon (another executable than {Binaries.DaemonRun})" }));
        Assert.That(holder.HasExited, Is.False, "nothing was signalled");
        holder.Kill();
        holder.WaitForExit();
    }

    private static bool WaitFor(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition() && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            Thread.Sleep(50);
        }
        return condition();
    }

    [GeneratedRegex("^pid [0-9]+\n", RegexOptions.Multiline)]
    private static partial Regex PidLine();
}
