using KnockKnock.Crypto.Counters;
using KnockKnock.Crypto.Profiles;
using KnockKnock.Crypto.Protocol;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Protocol;

/// <summary>Counters: the window ahead, and a counter value accepted at most once, across reloads.</summary>
[TestFixture]
public sealed class ReplayTests
{
    private const ushort KnockPort = 7000;

    [Test]
    public void Open_accepts_a_knock_five_counters_ahead()
    {
        using var cipher = KnockCipher.Create(new byte[32], bindSource: false);
        Assert.That(cipher.TryOpen(cipher.Seal(105, KnockPort, 22, default), 100, 20, KnockPort, default, out var counter, out _), Is.True);
        Assert.That(counter, Is.EqualTo(105));
    }

    [TestCase(20)]
    [TestCase(21)]
    [TestCase(1000)]
    public void Open_rejects_a_knock_a_window_or_more_ahead(int ahead)
    {
        using var cipher = KnockCipher.Create(new byte[32], bindSource: false);
        Assert.That(cipher.TryOpen(cipher.Seal(100 + (ulong)ahead, KnockPort, 22, default), 100, 20, KnockPort, default, out _, out _), Is.False);
    }

    [Test]
    public void Open_rejects_a_knock_below_the_window()
    {
        using var cipher = KnockCipher.Create(new byte[32], bindSource: false);
        Assert.That(cipher.TryOpen(cipher.Seal(99, KnockPort, 22, default), 100, 20, KnockPort, default, out _, out _), Is.False);
    }

    [Test]
    public void Open_rejects_an_accepted_counter_the_second_time_also_after_reloading_the_profile()
    {
        using var dir = new TempDirectory();
        var profileDir = dir.Combine("server");
        Profile.Create(profileDir, KnockPort, PortSet.All, bindSource: false);
        KnockFields knock;
        using (var profile = Profile.Load(profileDir))
        using (var cipher = profile.CreateCipher())
        {
            knock = cipher.Seal(3, KnockPort, 22, default);
            Assert.That(Accept(profile, cipher, knock), Is.True, "first time");
            Assert.That(Accept(profile, cipher, knock), Is.False, "second time");
        }
        using (var reloaded = Profile.Load(profileDir))
        using (var cipher = reloaded.CreateCipher())
        {
            Assert.That(Accept(reloaded, cipher, knock), Is.False, "after reload");
            Assert.That(Accept(reloaded, cipher, cipher.Seal(4, KnockPort, 22, default)), Is.True, "the next counter still works");
        }
    }

    /// <summary>The server's acceptance rule: open within the window from the stored counter, then store matched+1.</summary>
    private static bool Accept(Profile profile, KnockCipher cipher, KnockFields knock)
    {
        using var counter = profile.OpenCounter();
        if (!cipher.TryOpen(knock, counter.Read(), 20, KnockPort, default, out var matched, out _))
        {
            return false;
        }
        counter.Advance(matched + 1);
        return true;
    }
}
