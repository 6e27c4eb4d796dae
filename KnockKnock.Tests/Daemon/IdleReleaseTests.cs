using KnockKnock.Daemon.Host;

namespace KnockKnock.Tests.Daemon;

/// <summary>
/// The daemon gives a burst's memory back once per burst, when it is over, and once more when that
/// burst's openings have all expired; never while knocks come or when none came.
/// </summary>
[TestFixture]
public sealed class IdleReleaseTests
{
    [Test]
    public void A_burst_is_released_once_at_the_first_tick_without_knocks()
    {
        long knocks = 0;
        var releases = 0;
        var release = new IdleRelease(() => knocks, () => 0, () => releases++);

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

    [Test]
    public void After_a_burst_the_expiry_of_its_last_opening_releases_once_more()
    {
        long knocks = 0;
        var openings = 0;
        var releases = 0;
        var release = new IdleRelease(() => knocks, () => openings, () => releases++);

        knocks = 500;
        openings = 500;
        release.Tick();
        release.Tick();
        Assert.That(releases, Is.EqualTo(1), "the burst is over");
        openings = 20;
        release.Tick();
        Assert.That(releases, Is.EqualTo(1), "some of its openings are still held");
        openings = 0;
        release.Tick();
        Assert.That(releases, Is.EqualTo(2), "the last of them expired");
        release.Tick();
        Assert.That(releases, Is.EqualTo(2), "nothing new to give back");
    }

    [Test]
    public void Knocks_before_the_openings_expire_start_a_new_burst_instead()
    {
        long knocks = 10;
        var openings = 10;
        var releases = 0;
        var release = new IdleRelease(() => knocks, () => openings, () => releases++);

        release.Tick();
        release.Tick();
        Assert.That(releases, Is.EqualTo(1));
        knocks = 20;
        openings = 0;
        release.Tick();
        Assert.That(releases, Is.EqualTo(1), "knocks came: wait for this burst to end");
        openings = 10;
        release.Tick();
        Assert.That(releases, Is.EqualTo(2), "the new burst is over");
        release.Tick();
        Assert.That(releases, Is.EqualTo(2), "its openings are still held");
        openings = 0;
        release.Tick();
        Assert.That(releases, Is.EqualTo(3));
    }

    [Test]
    public void A_tick_while_another_is_still_releasing_does_nothing()
    {
        long knocks = 5;
        var releases = 0;
        using var releasing = new ManualResetEventSlim();
        using var finish = new ManualResetEventSlim();
        var release = new IdleRelease(() => knocks, () => 0, () =>
        {
            Interlocked.Increment(ref releases);
            releasing.Set();
            finish.Wait();
        });
        release.Tick();
        var first = new Thread(release.Tick);
        first.Start();
        Assert.That(releasing.Wait(TimeSpan.FromSeconds(10)), Is.True);

        knocks = 6;
        release.Tick(); // would note the new knocks; it must not touch the state while the other runs
        release.Tick();
        finish.Set();
        first.Join();

        Assert.That(releases, Is.EqualTo(1));
        release.Tick();
        Assert.That(releases, Is.EqualTo(1), "the knock at 6 is news to the next tick that runs");
        release.Tick();
        Assert.That(releases, Is.EqualTo(2));
    }
}
