using KnockKnock.Crypto.Counters;
using KnockKnock.Crypto.Profiles;
using KnockKnock.Crypto.Protocol;
using KnockKnock.Daemon.Log;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Service;

/// <summary>
/// `check` with the journal source: passes on a journal the daemon user can read with the group
/// systemd-journal, and says in one line when the journal is missing, when a journal directory
/// others may write would be read, when a journal file is closed to that group, or when libsystemd
/// cannot be loaded.
/// </summary>
[TestFixture]
[Category("Root")]
[NonParallelizable]
public sealed class JournalCheckTests
{
    private TempDirectory _dir = null!;
    private NetworkNamespace _ns = null!;

    [SetUp]
    public void SetUp()
    {
        Root.Require();
        _dir = new TempDirectory();
        Profile.Create(_dir.Combine("profiles", "alice"), 7000, PortSet.Parse("22"), bindSource: false);
        File.WriteAllText(_dir.Combine("config"), "[main]\nuser = nobody\nlog_source = journal\n");
        _ns = NetworkNamespace.Create("jchk");
        _ns.Exec(Repository.File("scripts", "minimal-firewall.sh"), "--firewall", "nft", "--config-dir", _dir.Path, "--knockknock-daemon", Binaries.Daemon);
    }

    [TearDown]
    public void TearDown()
    {
        _ns?.Dispose();
        _dir?.Dispose();
    }

    private static string[] Problems(CommandResult result) =>
        [.. result.StdOut.Split('\n').Where(l => l.StartsWith("problem: ", StringComparison.Ordinal))];

    private CommandResult Check(IEnumerable<string> launcher)
        => Command.Run(launcher.First(), [.. launcher.Skip(1), "ip", "netns", "exec", _ns.Name, Binaries.Daemon, "check", "--config-dir", _dir.Path, "--firewall", "nft"]);

    [Test]
    public void A_journal_the_group_may_read_passes()
    {
        using var journal = new JournaldHarness();
        var result = Check(journal.Enter);
        Assert.That((result.ExitCode, Problems(result)), Is.EqualTo((0, Array.Empty<string>())), result.ToString());
    }

    [Test]
    public void A_journal_file_closed_to_the_group_is_a_problem()
    {
        using var journal = new JournaldHarness();
        var chmod = journal.Run("sh", "-ec", "chmod 0600 /run/log/journal/*/system.journal");
        Assert.That(chmod.ExitCode, Is.Zero, chmod.ToString());
        var result = Check(journal.Enter);
        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(Problems(result), Has.Length.EqualTo(1), result.ToString());
        Assert.That(Problems(result)[0], Does.Match($@"^problem: /run/log/journal/[0-9a-f]{{32}}/system\.journal \(600, group \d+\) cannot be read by group {JournalSource.Group} \(gid \d+\), which the daemon keeps after the privilege drop: run systemd-tmpfiles --create --prefix /run/log/journal --prefix /var/log/journal$"));
    }

    [Test]
    public void No_journal_at_all_is_a_problem()
    {
        // A mount namespace with empty journal directories: no journald ever wrote there.
        var result = Check(["unshare", "--mount", "--propagation", "slave", "sh", "-ec",
            "mount -t tmpfs -o mode=0755 kk-empty /run/log; mkdir /run/log/journal; mount -t tmpfs -o mode=0755 kk-empty /var/log/journal; exec \"$@\"", "sh"]);
        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(Problems(result), Is.EqualTo(new[] { "problem: cannot read the journal: no system journal file in /run/log/journal or /var/log/journal can be read: is systemd-journald running?" }));
    }

    [Test]
    public void A_journal_directory_others_may_write_is_refused()
    {
        using var journal = new JournaldHarness();
        var result = Check([.. journal.Enter, "unshare", "--mount", "--propagation", "private", "sh", "-ec", "mount -t tmpfs -o mode=1777 kk-open /var/log/journal; exec \"$@\"", "sh"]);
        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(Problems(result), Is.EqualTo(new[] { "problem: journal directory /var/log/journal is not a directory of root's closed to writing by group and others (uid 0, mode 1777): it could hold forged kernel records; run systemd-tmpfiles --create --prefix /var/log/journal" }));
    }

    [Test]
    public void A_missing_libsystemd_is_one_clear_problem()
    {
        using var journal = new JournaldHarness();
        var library = Command.Check("sh", "-c", "ldconfig -p | awk '$1 == \"libsystemd.so.0\" && /x86-64/ { print $NF; exit }'").Trim();
        Assert.That(library, Does.StartWith("/"), "libsystemd.so.0 is installed here");
        var result = Check([.. journal.Enter, "unshare", "--mount", "--propagation", "private", "sh", "-ec", $"mount --bind /dev/null {library}; exec \"$@\"", "sh"]);
        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(Problems(result), Does.Contain("problem: the journal log source needs libsystemd.so.0, which cannot be loaded: install it (apt install libsystemd0) or use --log-source kmsg"));
    }
}
