using KnockKnock.Daemon.Host;

namespace KnockKnock.Tests.Daemon;

/// <summary>The daemon gives a burst's memory back once per burst, when it is over, and never while knocks come or when none came.</summary>
[TestFixture]
public sealed class IdleReleaseTests
{
    [Test]
    public void A_burst_is_released_once_at_the_first_tick_without_knocks()
    {
        long knocks = 0;
        var releases = 0;
        var release = new IdleRelease(() => knocks, () => releases++);

        release.Tick();
        Assert.That(releases, Is.Zero, "no knock yet");
        knocks = 100;
        release.Tick();
        knocks = 250;
        release.Tick();
        Assert.That(releases, Is.Zero, "knocks still coming");
        release.Tick();
        Assert.That(releases, Is.EqualTo(1), "the burst is over");
        release.Tick();
        release.Tick();
        Assert.That(releases, Is.EqualTo(1), "nothing new to give back");
        knocks = 251;
        release.Tick();
        release.Tick();
        Assert.That(releases, Is.EqualTo(2), "the next burst");
    }
}
