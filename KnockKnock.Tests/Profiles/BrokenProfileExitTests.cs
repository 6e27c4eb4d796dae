using KnockKnock.Crypto.Counters;
using KnockKnock.Crypto.Profiles;
using KnockKnock.Crypto.Protocol;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Profiles;

/// <summary>
/// The installed client, as a real process, on a broken or unsafe profile: one line naming the file
/// and the fix, exit 2, and the counter untouched.
/// </summary>
[TestFixture]
public sealed class BrokenProfileExitTests
{
    private TempDirectory _dir = null!;
    private string _profile = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = new TempDirectory();
        _profile = _dir.Combine("127.0.0.1");
        Profile.Create(_profile, 7000, PortSet.All, bindSource: false);
    }

    [TearDown]
    public void TearDown() => _dir.Dispose();

    private string KnockFails()
    {
        var result = Command.Run(ClientBinary.Path, "-p", "22", "127.0.0.1", "--profile-dir", _profile, "--dry-run");
        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Usage), result.ToString());
        Assert.That(result.StdOut, Is.Empty);
        var lines = result.StdErr.TrimEnd('\n').Split('\n');
        Assert.That(lines, Has.Length.EqualTo(1), result.StdErr);
        return lines[0];
    }

    [Test]
    public void A_group_readable_secret_exits_2_with_the_chmod_that_fixes_it()
    {
        var secret = Path.Combine(_profile, "secret");
        File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        Assert.That(KnockFails(), Is.EqualTo($"knockknock: unsafe permissions 0640 on {secret} (group or others may read or write it): run chmod 600 {secret}"));
    }

    [Test]
    public void A_world_writable_profile_directory_exits_2()
    {
        File.SetUnixFileMode(_profile, (UnixFileMode)0b111_000_011);
        Assert.That(KnockFails(), Is.EqualTo($"knockknock: unsafe permissions 0703 on directory {_profile} (group or others may access it): run chmod 700 {_profile}"));
    }

    [Test]
    public void A_corrupt_counter_exits_2_and_is_left_as_it_was()
    {
        var counter = Path.Combine(_profile, "counter");
        File.WriteAllText(counter, "seven\n");
        Assert.That(KnockFails(), Does.StartWith($"knockknock: corrupt counter file {counter}"));
        Assert.That(File.ReadAllText(counter), Is.EqualTo("seven\n"));
    }

    [Test]
    public void A_missing_config_exits_2()
    {
        File.Delete(Path.Combine(_profile, "config"));
        Assert.That(KnockFails(), Is.EqualTo($"knockknock: missing file {Path.Combine(_profile, "config")}"));
    }
}
