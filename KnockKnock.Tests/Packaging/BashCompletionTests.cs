using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Packaging;

/// <summary>
/// scripts/bash-completion/knockknock: HOST from the profiles in ~/.knockknock/, options from the
/// client's own --help (so a new option needs no change here), directories for --profile-dir.
/// </summary>
[TestFixture]
public sealed class BashCompletionTests
{
    private TempDirectory _home = null!;

    private static string CompletionFile => Repository.File("scripts", "bash-completion", "knockknock");

    [SetUp]
    public void SetUp()
    {
        _home = new TempDirectory();
        foreach (var host in new[] { "myserver", "198.51.100.7", "mybox" })
        {
            Directory.CreateDirectory(_home.Combine(".knockknock", host));
        }
        File.WriteAllText(_home.Combine(".knockknock", "not-a-profile"), "");
        Directory.CreateDirectory(_home.Combine("work", "profiles"));
        Directory.CreateDirectory(_home.Combine("work", "projects"));
        File.WriteAllText(_home.Combine("work", "profile.txt"), "");
    }

    [TearDown]
    public void TearDown() => _home?.Dispose();

    private string[] Complete(params string[] words)
        => BashCompletion.Complete(CompletionFile, _home.Path, _home.Combine("work"), [Binaries.Client, .. words]);

    [Test]
    public void Port_then_TAB_completes_the_profile_hosts()
        => Assert.That(Complete("-p", "22", ""), Is.EqualTo(new[] { "198.51.100.7", "mybox", "myserver" }));

    [Test]
    public void A_started_host_completes_to_the_matching_profiles()
        => Assert.That(Complete("-p", "22", "my"), Is.EqualTo(new[] { "mybox", "myserver" }));

    [Test]
    public void The_host_completes_before_the_port_option_too()
        => Assert.That(Complete("myse"), Is.EqualTo(new[] { "myserver" }));

    [Test]
    public void Dash_dash_TAB_offers_every_long_option_of_the_help()
    {
        var help = Command.Check(Binaries.Client, "--help");
        // The option column of the "Options:" lines: "  -p, --port <PORT> (REQUIRED)  The port ...".
        var longOptions = help.Split('\n')
            .Where(line => line.StartsWith("  -", StringComparison.Ordinal))
            .SelectMany(line => line.Trim().Split("  ")[0].Split([',', ' ']))
            .Where(word => word.StartsWith("--", StringComparison.Ordinal))
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToArray();
        Assert.That(Complete("--"), Is.EqualTo(longOptions));
        Assert.That(longOptions, Does.Contain("--profile-dir").And.Contain("--port"));
    }

    [Test]
    public void An_option_prefix_completes_to_that_option()
        => Assert.That(Complete("-p", "22", "--prof"), Is.EqualTo(new[] { "--profile-dir" }));

    [Test]
    public void Profile_dir_completes_directories_only()
        => Assert.That(Complete("--profile-dir", "pro"), Is.EqualTo(new[] { "profiles", "projects" }));

    [Test]
    public void The_port_value_is_not_completed_with_hosts()
        => Assert.That(Complete("-p", ""), Is.Empty);

    [Test]
    public void The_first_word_offers_the_commands_with_the_hosts()
    {
        Assert.That(Complete(""), Is.EqualTo(new[] { "198.51.100.7", "connect", "counter", "mybox", "myserver", "socks" }));
        Assert.That(Complete("co"), Is.EqualTo(new[] { "connect", "counter" }));
    }

    [Test]
    public void Connect_completes_the_hosts_and_its_own_options()
    {
        Assert.That(Complete("connect", "my"), Is.EqualTo(new[] { "mybox", "myserver" }));
        Assert.That(Complete("connect", "--k"), Is.EqualTo(new[] { "--knocks" }));
        Assert.That(Complete("connect", "myserver", "22", "--profile-dir", "pro"), Is.EqualTo(new[] { "profiles", "projects" }));
    }

    [Test]
    public void Socks_completes_its_options_and_no_host()
    {
        Assert.That(Complete("socks", ""), Is.Empty);
        Assert.That(Complete("socks", "--pro"), Is.EqualTo(new[] { "--profiles" }));
        Assert.That(Complete("socks", "--profiles", "pro"), Is.EqualTo(new[] { "profiles", "projects" }));
    }

    [Test]
    public void Without_a_profile_directory_nothing_is_offered_for_host()
    {
        Directory.Delete(_home.Combine(".knockknock"), recursive: true);
        Assert.That(Complete("-p", "22", ""), Is.Empty);
    }
}
