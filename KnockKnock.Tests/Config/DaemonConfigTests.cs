using KnockKnock.Daemon.Config;
using KnockKnock.Daemon.Log;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Config;

/// <summary>The daemon config's max_knock_age: default, range, and the example config's value.</summary>
[TestFixture]
public sealed class DaemonConfigTests
{
    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    private DaemonConfig Load(string text)
    {
        File.WriteAllText(_dir.Combine("config"), text);
        return DaemonConfig.Load(_dir.Path);
    }

    [Test]
    public void Max_knock_age_defaults_to_30_seconds()
    {
        Assert.That(Load("[main]\n").MaxKnockAge, Is.EqualTo(30));
        Assert.That(Resumption.DefaultMaxKnockAgeSeconds, Is.EqualTo(30));
        Assert.That(Load("[main]\nmax_knock_age = 5\n").MaxKnockAge, Is.EqualTo(5));
    }

    [TestCase("0")]
    [TestCase("3601")]
    [TestCase("-1")]
    [TestCase("ten")]
    public void Max_knock_age_out_of_range_is_a_usage_error(string value)
    {
        var e = Assert.Throws<KnockKnockException>(() => Load($"[main]\nmax_knock_age = {value}\n"));
        Assert.That(e!.ExitCode, Is.EqualTo(ExitCodes.Usage));
        Assert.That(e.Message, Does.Contain("max_knock_age"));
    }

    [Test]
    public void The_example_config_loads_and_says_the_defaults()
    {
        File.Copy(Repository.File("profiles", "config.example"), _dir.Combine("config"));
        var config = DaemonConfig.Load(_dir.Path);
        Assert.That(config.MaxKnockAge, Is.EqualTo(Resumption.DefaultMaxKnockAgeSeconds));
        Assert.That(config.LogSource, Is.EqualTo(LogSourceOption.Kmsg));
    }
}
