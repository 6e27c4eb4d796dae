using KnockKnock.Tests.EndToEnd;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Attacks;

/// <summary>
/// The status file is the daemon user's, and root's <c>status</c> used to follow it wherever it
/// pointed and print what it held: a symlink to a FIFO hung it, one to /dev/zero made it read
/// forever, and its values could carry terminal escape sequences. Now it is opened without
/// following symlinks and without blocking, must be a regular file of the daemon user, is read up
/// to 64 KiB, and every value is checked: each trick is one clear line and exit 1, at once.
/// </summary>
[Category("Root")]
[NonParallelizable]
public sealed class StatusFileAttackTests
{
    private KnockSite _site = null!;
    private string _status = null!;

    [SetUp]
    public void SetUp()
    {
        Root.Require();
        _site = new KnockSite("nft");
        using (var daemon = _site.StartDaemon())
        {
            Assert.That(daemon.Stop(), Is.Zero, daemon.Output);
        }
        // Where the daemon kept it (it removed the file on exit, the directory stays).
        _status = Directory.Exists(Path.Combine(_site.StateDirectory, "daemon")) ? Path.Combine(_site.StateDirectory, "daemon", "status") : Path.Combine(_site.StateDirectory, "status");
    }

    [TearDown]
    public void TearDown() => _site?.Dispose();

    private CommandResult Status() => Command.Run(Binaries.Daemon, ["status", "--config-dir", _site.ConfigDirectory, "--state-dir", _site.StateDirectory, "--pidfile", _site.PidFile], TimeSpan.FromSeconds(20));

    private static void AsNobody(params string[] command) => Command.Check("setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--", .. command]);

    [TestCase("/dev/zero")]
    [TestCase("/etc/shadow")]
    public void A_status_symlink_is_refused_in_one_line(string target)
    {
        AsNobody("ln", "-sf", target, _status);
        var result = Status();
        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Failure), result.ToString());
        Assert.That(result.StdErr.TrimEnd().Split('\n'), Is.EqualTo(new[] { $"knockknock-daemon: refusing to read the status file: {_status} is a symlink" }));
        Assert.That(result.StdOut, Is.Empty);
    }

    [Test]
    public void A_status_FIFO_does_not_hang_status()
    {
        AsNobody("mkfifo", _status);
        var result = Status();
        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Failure), result.ToString());
        Assert.That(result.StdErr, Does.Contain("is not a regular file of the daemon user"));
    }

    [Test]
    public void A_huge_status_file_is_refused()
    {
        AsNobody("truncate", "-s", "100M", _status);
        var result = Status();
        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Failure), result.ToString());
        Assert.That(result.StdErr, Does.Contain("is larger than 65536 bytes"));
    }

    [TestCase("log_source \u001b]0;owned\u0007\u001b[2J/dev/kmsg")]
    [TestCase("log_source /dev/kmsg\rpid 1")]
    [TestCase("profile alpha\u001b[31m 7000 all -")]
    [TestCase("opening alpha 1.2.3.4\u001b[1A 22 2030-01-01T00:00:00Z")]
    public void Escape_sequences_and_control_characters_never_reach_the_terminal(string line)
    {
        File.WriteAllText(_status, "pid 1\nworker_pid 2\nstarted 2026-01-01T00:00:00Z\nupdated 2026-01-01T00:00:00Z\nlog_counters x\nfirewall nft\nfirewall_recreated -\n"
            + "accepted 0\nrejected 0\nrejected_by_reason none\n" + (line.StartsWith("log_source", StringComparison.Ordinal) ? "" : "log_source /dev/kmsg\n") + line + "\n");
        Command.Check("chown", "nobody", _status);
        var result = Status();
        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Failure), result.ToString());
        Assert.That(result.StdOut + result.StdErr, Does.Not.Contain("\u001b").And.Not.Contain("\r").And.Not.Contain("\u0007"));
        Assert.That(result.StdErr.TrimEnd().Split('\n'), Has.Length.EqualTo(1).And.Some.Contains("unreadable status file"));
    }

    [Test]
    public void A_status_file_of_another_owner_is_refused()
    {
        File.WriteAllText(_status, "pid 1\n");
        var result = Status();
        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Failure), result.ToString());
        Assert.That(result.StdErr, Does.Contain("is not a regular file of the daemon user"));
    }
}
