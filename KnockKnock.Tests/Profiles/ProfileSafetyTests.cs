using KnockKnock.Crypto.Counters;
using KnockKnock.Crypto.Profiles;
using KnockKnock.Crypto.Protocol;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Profiles;

/// <summary>StrictModes: unsafe or broken profiles are refused with one line that names the file and the fix.</summary>
[TestFixture]
public sealed class ProfileSafetyTests
{
    private TempDirectory _dir = null!;
    private string _profile = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = new TempDirectory();
        _profile = _dir.Combine("myserver");
        Profile.Create(_profile, 7000, PortSet.Parse("22,2222"), bindSource: false);
    }

    [TearDown]
    public void TearDown() => _dir.Dispose();

    private KnockKnockException LoadFails()
    {
        var error = Assert.Throws<KnockKnockException>(() =>
        {
            using var profile = Profile.Load(_profile);
            using var counter = profile.OpenCounter();
        })!;
        Assert.That(error.ExitCode, Is.EqualTo(ExitCodes.Usage));
        Assert.That(error.Message, Does.Not.Contain('\n'));
        return error;
    }

    [Test]
    public void A_fresh_profile_loads_with_its_settings_and_counter_zero()
    {
        using var profile = Profile.Load(_profile);
        using var counter = profile.OpenCounter();
        Assert.That((profile.Name, profile.KnockPort, profile.BindSource, counter.Read()), Is.EqualTo(("myserver", (ushort)7000, false, 0UL)));
        Assert.That(profile.AllowedPorts.Contains(22) && profile.AllowedPorts.Contains(2222) && !profile.AllowedPorts.Contains(23), Is.True);
        Assert.That(File.GetUnixFileMode(Path.Combine(_profile, "secret")), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Assert.That(File.GetUnixFileMode(_profile), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
    }

    [Test]
    public void A_group_readable_secret_is_refused_with_the_chmod_that_fixes_it()
    {
        var secret = Path.Combine(_profile, "secret");
        File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        Assert.That(LoadFails().Message, Does.Contain(secret).And.Contain("chmod 600"));
    }

    [Test]
    public void A_world_writable_profile_directory_is_refused()
    {
        File.SetUnixFileMode(_profile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);
        Assert.That(LoadFails().Message, Does.Contain(_profile).And.Contain("chmod 700"));
    }

    [Test]
    public void A_corrupt_counter_is_an_error_and_never_a_reset()
    {
        var counter = Path.Combine(_profile, "counter");
        File.WriteAllText(counter, "12x\n");
        Assert.That(LoadFails().Message, Does.Contain("corrupt counter file " + counter));
        Assert.That(File.ReadAllText(counter), Is.EqualTo("12x\n"));
    }

    [Test]
    public void A_missing_counter_is_an_error()
    {
        File.Delete(Path.Combine(_profile, "counter"));
        Assert.That(LoadFails().Message, Does.Contain("missing file"));
    }

    [Test]
    public void A_missing_config_is_an_error()
    {
        File.Delete(Path.Combine(_profile, "config"));
        Assert.That(LoadFails().Message, Does.Contain("missing file " + Path.Combine(_profile, "config")));
    }

    [Test]
    public void A_symlinked_secret_is_refused()
    {
        var secret = Path.Combine(_profile, "secret");
        File.Move(secret, _dir.Combine("elsewhere"));
        File.CreateSymbolicLink(secret, _dir.Combine("elsewhere"));
        Assert.That(LoadFails().Message, Does.Contain("not a regular file"));
    }

    [Test]
    public void A_secret_owned_by_another_user_is_refused()
    {
        Root.Require();
        var secret = Path.Combine(_profile, "secret");
        Command.Check("chown", "65534", secret);
        Assert.That(LoadFails().Message, Does.Contain("owned by uid 65534").And.Contain("chown"));
    }

    [TestCase("knock_port = 0\n")]
    [TestCase("knock_port = 7000\nknock_port = 7001\n")]
    [TestCase("knock_port = 7000\nallow = 22-\n")]
    [TestCase("knock_port = 7000\nbind_source = maybe\n")]
    [TestCase("knock_port = 7000\nkonck = 1\n")]
    [TestCase("allow = all\n")]
    public void A_broken_config_is_refused(string body)
    {
        File.WriteAllText(Path.Combine(_profile, "config"), "[profile]\n" + body);
        Assert.That(LoadFails().Message, Does.StartWith(Path.Combine(_profile, "config")));
    }

    [Test]
    public void A_short_secret_is_refused()
    {
        File.WriteAllText(Path.Combine(_profile, "secret"), "abcd\n");
        Assert.That(LoadFails().Message, Does.Contain("corrupt secret file"));
    }
}
