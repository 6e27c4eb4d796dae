using KnockKnock.Crypto.Counters;
using KnockKnock.Crypto.Profiles;
using KnockKnock.Crypto.Protocol;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Service;

/// <summary>`knockknock-daemon check` finds each problem, one line each, and exits 0 only when all is well.</summary>
[TestFixture]
[Category("Root")]
public sealed class CheckCommandTests
{
    private TempDirectory _dir = null!;
    private NetworkNamespace _ns = null!;

    [SetUp]
    public void SetUp()
    {
        Root.Require();
        _dir = new TempDirectory();
        Profile.Create(_dir.Combine("profiles", "alice"), 7000, PortSet.Parse("22"), bindSource: false);
        // No knockknock user on a test machine: nobody, named (check warns about it, as the daemon does).
        File.WriteAllText(_dir.Combine("config"), "[main]\nuser = nobody\n");
        _ns = NetworkNamespace.Create("chk");
    }

    [TearDown]
    public void TearDown()
    {
        _ns?.Dispose();
        _dir?.Dispose();
    }

    private CommandResult Check(params string[] extra) =>
        _ns.Run(Binaries.Daemon, ["check", "--config-dir", _dir.Path, "--firewall", "nft", .. extra]);

    private void LoadRules() => _ns.Exec(Repository.File("scripts", "minimal-firewall.sh"), "--firewall", "nft", "--config-dir", _dir.Path, "--knockknock-daemon", Binaries.Daemon);

    private static string[] Problems(CommandResult result) =>
        [.. result.StdOut.Split('\n').Where(l => l.StartsWith("problem: ", StringComparison.Ordinal))];

    [Test]
    public void A_complete_setup_passes_with_exit_0()
    {
        LoadRules();
        var result = Check();
        Assert.That((result.ExitCode, Problems(result)), Is.EqualTo((0, Array.Empty<string>())), result.ToString());
        Assert.That(result.StdOut, Does.Contain("all checks passed"));
        Assert.That(result.StdOut, Does.Contain("warning: running as nobody, which other services share"));
    }

    [Test]
    public void It_warns_which_profiles_a_forgeable_log_file_leaves_unbound()
    {
        LoadRules();
        Profile.Create(_dir.Combine("profiles", "bound"), 7002, PortSet.Parse("22"), bindSource: true);
        var log = _dir.Combine("kern.log");
        File.WriteAllText(log, "");
        File.SetUnixFileMode(log, (UnixFileMode)0b110_100_100);
        var result = Check("--log-source", "file:" + log);
        Assert.That(result.StdOut, Does.Contain($"warning: the log source is the file {log}, which any local user can write").And.Contain("profiles without bind_source: alice (use kmsg"));
        Assert.That(Check().StdOut, Does.Not.Contain("which any local user can write"), "/dev/kmsg cannot be forged from user space");
    }

    [Test]
    public void It_warns_about_protocol_1_profiles_and_names_them()
    {
        LoadRules();
        Assert.That(Check().StdOut, Does.Not.Contain("protocol = 1"), "alice speaks protocol 2, genprofile's default");
        Profile.Create(_dir.Combine("profiles", "old"), 7003, PortSet.Parse("22"), bindSource: false, protocol: 1);
        var result = Check();
        Assert.That(result.StdOut, Does.Contain("warning: profiles with protocol = 1 knock over IPv4 only, with a SYN that is easy to tell from a real one: old (make new ones"));
    }

    [Test]
    public void It_finds_a_group_readable_key()
    {
        LoadRules();
        var secret = _dir.Combine("profiles", "alice", "secret");
        File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        var result = Check();
        Assert.That(result.ExitCode, Is.EqualTo(1));
        Assert.That(Problems(result), Is.EqualTo(new[] { $"problem: unsafe permissions 0640 on {secret} (group or others may read or write it): run chmod 600 {secret}" }));
    }

    [Test]
    public void It_finds_a_missing_LOG_rule()
    {
        var result = Check();
        Assert.That(result.ExitCode, Is.EqualTo(1));
        Assert.That(Problems(result), Is.EqualTo(new[] { "problem: no LOG rule with prefix \"knockknock: \" and TCP sequence and options logging for knock port 7000 (profile alice): see scripts/minimal-firewall.sh" }));
    }

    [Test]
    public void It_finds_two_profiles_on_one_knock_port()
    {
        LoadRules();
        Profile.Create(_dir.Combine("profiles", "bob"), 7001, PortSet.All, bindSource: false);
        File.WriteAllText(_dir.Combine("profiles", "bob", "config"), "[profile]\nknock_port = 7000\n");
        var result = Check();
        Assert.That(result.ExitCode, Is.EqualTo(1));
        Assert.That(Problems(result), Is.EqualTo(new[] { "problem: profiles 'alice' and 'bob' both use knock port 7000" }));
    }

    [Test]
    public void It_finds_an_unreadable_log_source()
    {
        LoadRules();
        var result = Check("--log-source", "file:/etc/passwd/kern.log");
        Assert.That(result.ExitCode, Is.EqualTo(1));
        Assert.That(Problems(result), Has.Length.EqualTo(1));
        Assert.That(Problems(result)[0], Does.StartWith("problem: cannot read log source /etc/passwd/kern.log"));
    }

    [Test]
    public void It_finds_a_log_file_the_dropped_user_cannot_reopen_after_rotation()
    {
        LoadRules();
        var log = _dir.Combine("kern.log");
        File.WriteAllText(log, "");
        File.SetUnixFileMode(log, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var result = Check("--log-source", "file:" + log);
        Assert.That(Problems(result), Has.Length.EqualTo(1));
        Assert.That(Problems(result)[0], Does.Contain($"log file {log} is not readable by the daemon user"));
    }
}
