using KnockKnock.Crypto.Counters;
using KnockKnock.Crypto.Profiles;
using KnockKnock.Crypto.Protocol;
using KnockKnock.Daemon.Commands;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Profiles;

/// <summary>knockknock-genprofile: what it creates, what it prints, and what it refuses.</summary>
[TestFixture]
public sealed class GenProfileTests
{
    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    private (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = GenProfileCommand.Run([.. args, "--config-dir", _dir.Path], output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Test]
    public void Creates_a_loadable_profile_and_prints_the_copy_command_and_what_rules_prints()
    {
        var (code, output, error) = Run("alice-laptop", "7000", "--allow", "22");
        Assert.That(code, Is.EqualTo(0), error);
        using var profile = Profile.Load(_dir.Combine("profiles", "alice-laptop"));
        using var counter = profile.OpenCounter();
        Assert.That((profile.KnockPort, profile.AllowedPorts.Text, counter.Read()), Is.EqualTo(((ushort)7000, "22", 0UL)));
        Assert.That(output, Does.Contain("~/.knockknock/HOST"));
        // Exactly the set-up `knockknock-daemon rules` prints (rate limit included), for the configured backend.
        File.WriteAllText(_dir.Combine("config"), "[main]\nfirewall = iptables\n");
        var (second, withIptables, _) = Run("bob-laptop", "7001");
        Assert.That(second, Is.EqualTo(0));
        var rules = new StringWriter();
        Assert.That(DaemonCommand.Run(["rules", "--config-dir", _dir.Path], rules, new StringWriter()), Is.EqualTo(0));
        var ruleset = rules.ToString()[(rules.ToString().IndexOf('\n', StringComparison.Ordinal) + 1)..];
        Assert.That(withIptables, Does.Contain(ruleset));
        Assert.That(ruleset, Does.Contain("--dport 7000").And.Contain("--dport 7001").And.Contain("--hashlimit-upto").And.Contain("--log-prefix 'knockknock: ' --log-tcp-sequence"));
    }

    [Test]
    public void Two_profiles_get_different_secrets()
    {
        Assert.That(Run("a", "7000").Code, Is.EqualTo(0));
        Assert.That(Run("b", "7001").Code, Is.EqualTo(0));
        Assert.That(File.ReadAllText(_dir.Combine("profiles", "a", "secret")), Is.Not.EqualTo(File.ReadAllText(_dir.Combine("profiles", "b", "secret"))));
    }

    [Test]
    public void Refuses_a_name_that_exists()
    {
        Assert.That(Run("a", "7000").Code, Is.EqualTo(0));
        var (code, _, error) = Run("a", "7001");
        Assert.That((code, error), Is.EqualTo((2, $"knockknock-genprofile: profile 'a' exists already at {_dir.Combine("profiles", "a")}: pick another name or remove it first\n")));
    }

    [TestCase("../etc")]
    [TestCase("a/b")]
    [TestCase(".hidden")]
    [TestCase("")]
    [TestCase("bad name")]
    public void Refuses_a_name_that_is_not_a_plain_file_name(string name)
    {
        var (code, _, error) = Run(name, "7000");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.StartWith("knockknock-genprofile: invalid profile name"));
        Assert.That(Directory.Exists(_dir.Combine("profiles")) ? Directory.GetFileSystemEntries(_dir.Combine("profiles")) : [], Is.Empty);
    }

    [TestCase("0")]
    [TestCase("65536")]
    [TestCase("-1")]
    [TestCase("http")]
    public void Refuses_a_knock_port_outside_1_to_65535(string port)
    {
        var (code, _, error) = Run("a", port);
        Assert.That((code, error), Is.EqualTo((2, $"knockknock-genprofile: invalid knock port '{port}': use a port from 1 to 65535\n")));
    }

    [Test]
    public void Refuses_a_knock_port_another_profile_uses()
    {
        Assert.That(Run("a", "7000").Code, Is.EqualTo(0));
        var (code, _, error) = Run("b", "7000");
        Assert.That((code, error), Is.EqualTo((2, "knockknock-genprofile: knock port 7000 is already used by profile 'a': pick another port\n")));
        Assert.That(Directory.Exists(_dir.Combine("profiles", "b")), Is.False);
    }

    [Test]
    public void A_missing_argument_is_one_line_and_exit_2()
    {
        var (code, _, error) = Run("a");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
    }
}
