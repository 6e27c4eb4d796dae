using KnockKnock.Tests.EndToEnd;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Attacks;

/// <summary>
/// What root accepts as the state directory and the pidfile's directory (README, "Files"): only
/// paths that no other user can redirect; everything else is refused at start with one line and
/// exit 2, before anything is created. And the layout before this one, where the daemon user owned
/// the whole state directory, is taken back once, keeping its counters.
/// </summary>
[Category("Root")]
[NonParallelizable]
public sealed class StateDirectoryTests
{
    private static DaemonProcess Start(KnockSite site, string state, string? pidFile = null)
        => DaemonProcess.Start(site.Net.Server, ["--foreground", "--config-dir", site.ConfigDirectory, "--state-dir", state, "--pidfile", pidFile ?? site.PidFile, "--firewall", "nft"]);

    private static void AssertRefused(DaemonProcess daemon, string message)
    {
        Assert.That(daemon.WaitForExit(TimeSpan.FromSeconds(30)), Is.EqualTo(ExitCodes.Usage), daemon.Output);
        var lines = daemon.Output.Split('\n').Where(l => !l.Contains("warning:", StringComparison.Ordinal)).ToList();
        Assert.That(lines, Is.EqualTo(new[] { "knockknock-daemon: " + message }), daemon.Output);
    }

    [Test]
    public void A_symlinked_state_directory_is_refused()
    {
        Root.Require();
        using var site = new KnockSite("nft");
        var real = Path.Combine(site.Directory, "real-state");
        Directory.CreateDirectory(real);
        File.CreateSymbolicLink(site.StateDirectory, real);
        using var daemon = Start(site, site.StateDirectory);
        AssertRefused(daemon, $"{site.StateDirectory} is a symlink: root does not follow symlinks here; give the real path");
        Assert.That(Directory.EnumerateFileSystemEntries(real), Is.Empty);
    }

    [Test]
    public void A_state_directory_below_a_directory_another_user_may_write_is_refused()
    {
        Root.Require();
        using var site = new KnockSite("nft");
        var shared = Path.Combine(site.Directory, "shared");
        Directory.CreateDirectory(shared);
        Command.Check("chown", "nobody", shared);
        using var daemon = Start(site, Path.Combine(shared, "state"));
        AssertRefused(daemon, $"{shared} belongs to uid {Uid("nobody")}, not root: another user could redirect root through it (chown root {shared}, or use another directory)");
        Assert.That(Directory.Exists(Path.Combine(shared, "state")), Is.False);
    }

    [Test]
    public void A_pidfile_in_a_directory_others_may_write_is_refused()
    {
        Root.Require();
        using var site = new KnockSite("nft");
        var run = Path.Combine(site.Directory, "open-run");
        Directory.CreateDirectory(run);
        File.SetUnixFileMode(run, (UnixFileMode)0b111_111_111);
        using var daemon = Start(site, site.StateDirectory, Path.Combine(run, "daemon.pid"));
        AssertRefused(daemon, $"{run} may be written by group or others: another user could redirect root through it (chmod go-w {run})");
        Assert.That(File.Exists(Path.Combine(run, "daemon.pid")), Is.False);
    }

    [Test]
    public void A_missing_profiles_directory_is_one_line_and_exit_2()
    {
        Root.Require();
        using var site = new KnockSite("nft");
        Directory.Delete(Path.Combine(site.ConfigDirectory, "profiles"), recursive: true);
        using var daemon = Start(site, site.StateDirectory);
        AssertRefused(daemon, $"no profiles directory {Path.Combine(site.ConfigDirectory, "profiles")}: create a profile with knockknock-genprofile NAME KNOCK_PORT");
    }

    [Test]
    public void A_symlinked_profile_directory_is_one_line_and_exit_2()
    {
        Root.Require();
        using var site = new KnockSite("nft");
        var profile = Path.Combine(site.ConfigDirectory, "profiles", "alpha");
        var moved = Path.Combine(site.Directory, "alpha-elsewhere");
        Directory.Move(profile, moved);
        File.CreateSymbolicLink(profile, moved);
        using var daemon = Start(site, site.StateDirectory);
        AssertRefused(daemon, $"{profile} is not a regular directory (symlinks and special files are refused): replace it with a real directory");
    }

    [Test]
    public void The_earlier_layout_owned_by_the_daemon_user_is_taken_back_once_and_keeps_its_counter()
    {
        Root.Require();
        using var site = new KnockSite("nft");
        // As the daemon before this layout left it: the state directory and each profile's counter the daemon user's.
        Directory.CreateDirectory(Path.Combine(site.StateDirectory, "alpha"));
        File.WriteAllText(Path.Combine(site.StateDirectory, "alpha", "counter"), "7\n");
        File.WriteAllText(Path.Combine(site.StateDirectory, "status"), "pid 1\n");
        Command.Check("chown", "-R", "nobody", site.StateDirectory);
        Command.Check("chmod", "-R", "go-rwx", site.StateDirectory);
        using (var daemon = site.StartDaemon())
        {
            Assert.That(daemon.Stop(), Is.Zero, daemon.Output);
        }
        Assert.That(Command.Check("stat", "-c", "%u %a", site.StateDirectory).Trim(), Is.EqualTo("0 755"));
        Assert.That(Directory.EnumerateFileSystemEntries(site.StateDirectory).Select(Path.GetFileName).Order(), Is.EqualTo(new[] { "counters", "daemon" }));
        Assert.That(Command.Check("stat", "-c", "%U %a", Path.Combine(site.StateDirectory, "daemon")).Trim(), Is.EqualTo("nobody 700"));
        // The earlier counter 7 is where the server counter starts: a knock with counter 6 or lower is used up.
        var counter = File.ReadAllBytes(Path.Combine(site.StateDirectory, "counters", "alpha.counter"));
        Assert.That(System.Text.Encoding.ASCII.GetString(counter, 0, 39), Is.EqualTo($"KKC1 {7:x16} {~7UL:x16}\n"));
    }

    [Test]
    public void Without_a_knockknock_user_and_without_user_the_daemon_refuses_to_start_and_nobody_named_explicitly_warns()
    {
        Root.Require();
        if (Command.Run("getent", "passwd", "knockknock").ExitCode == 0)
        {
            Assert.Ignore("skipped: this machine has a knockknock user, so the daemon would use it");
        }
        using var site = new KnockSite("nft");
        var config = Path.Combine(site.ConfigDirectory, "config");
        File.WriteAllText(config, "[main]\ndelay = 3\n");
        using (var refused = Start(site, site.StateDirectory))
        {
            AssertRefused(refused, "no user 'knockknock' to run as: create it (useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin knockknock, as scripts/install.sh --systemd and the package do), or name another with user = in the config or --user");
            Assert.That(Directory.Exists(site.StateDirectory), Is.False, "nothing was created");
        }
        File.WriteAllText(config, "[main]\ndelay = 3\nuser = nobody\n");
        using var daemon = site.StartDaemon();
        Assert.That(daemon.Output, Does.Contain("warning: running as nobody, which other services share"));
    }

    private static string Uid(string user) => Command.Check("id", "-u", user).Trim();
}
