using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Client;

/// <summary>
/// <c>knockknock counter HOST</c>, the documented way to read the client's counter when
/// resynchronising (README, "Counters out of sync"): the next counter, from the decimal file of a
/// new profile and from the record the knocks write; a missing profile is one line and exit 2.
/// </summary>
[TestFixture]
public sealed class CounterCommandTests
{
    [Test]
    public void It_prints_the_next_counter_before_and_after_knocks_and_sends_nothing()
    {
        using var home = new TempDirectory();
        var profile = ClientProfile.Create(home.Path, "127.0.0.1", 7009);
        Assert.That(Command.Check(Binaries.Client, "counter", "127.0.0.1", "--profile-dir", profile), Is.EqualTo("0\n"));
        for (var i = 0; i < 2; i++)
        {
            Command.Check(Binaries.Client, "-p", "22", "127.0.0.1", "--profile-dir", profile, "--dry-run");
        }
        Assert.That(Command.Check(Binaries.Client, "counter", "127.0.0.1", "--profile-dir", profile), Is.EqualTo("2\n"));
        Assert.That(Command.Check(Binaries.Client, "counter", "127.0.0.1", "--profile-dir", profile), Is.EqualTo("2\n"), "reading uses nothing up");
    }

    [Test]
    public void A_missing_profile_is_one_line_and_exit_2()
    {
        using var home = new TempDirectory();
        var result = Command.Run(Binaries.Client, "counter", "nohost", "--profile-dir", home.Combine("nohost"));
        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Usage), result.ToString());
        Assert.That(result.StdErr, Does.StartWith("knockknock: no such profile: " + home.Combine("nohost")).And.EndWith("\n"));
        Assert.That(result.StdErr.TrimEnd('\n'), Does.Not.Contain('\n'));
        Assert.That(result.StdOut, Is.Empty);
    }
}
