using KnockKnock.Daemon.Knocks;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Daemon;

/// <summary>Which failed SYNs count as retransmissions of a used v2 knock, and which stay rejected knocks.</summary>
[TestFixture]
public sealed class RecentKnocksTests
{
    private static readonly HostAddress Source = Addresses.Of("198.18.1.2");

    [Test]
    public void A_retransmission_with_the_TSval_its_elapsed_time_gives_is_recognised()
    {
        var (time, recent) = Knocked();
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.That(recent.IsRetransmission(Source, 40000, 7000, 0x89ABCDEF, 1000 + 1013), Is.True);
        time.Advance(TimeSpan.FromSeconds(66));
        Assert.That(recent.IsRetransmission(Source, 40000, 7000, 0x89ABCDEF, 1000 + 67_050), Is.True);
    }

    [Test]
    public void A_forgery_that_only_copies_the_used_knocks_ports_and_sequence_stays_rejected()
    {
        var (time, recent) = Knocked();
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.That(recent.IsRetransmission(Source, 40000, 7000, 0x89ABCDEF, 1000 + 60_000), Is.False, "TSval ahead of the elapsed time");
        Assert.That(recent.IsRetransmission(Source, 40000, 7000, 0x89ABCDEF, 999), Is.False, "TSval behind the knock's");
        Assert.That(recent.IsRetransmission(Addresses.Of("198.18.1.3"), 40000, 7000, 0x89ABCDEF, 2000), Is.False, "another source");
        Assert.That(recent.IsRetransmission(Source, 40002, 7000, 0x89ABCDEF, 2000), Is.False, "another source port");
        Assert.That(recent.IsRetransmission(Source, 40000, 7001, 0x89ABCDEF, 2000), Is.False, "another knock port");
        Assert.That(recent.IsRetransmission(Source, 40000, 7000, 0x89ABCDEE, 2000), Is.False, "another sequence number");
    }

    [Test]
    public void Someone_who_saw_a_used_knock_can_hide_at_most_16_forgeries_behind_it()
    {
        var (time, recent) = Knocked();
        time.Advance(TimeSpan.FromSeconds(30));
        var hidden = Enumerable.Range(0, 100).Count(i => recent.IsRetransmission(Source, 40000, 7000, 0x89ABCDEF, 1000 + (uint)i));
        Assert.That(hidden, Is.EqualTo(RecentKnocks.MaximumRetransmissions));
    }

    [Test]
    public void After_three_minutes_a_knock_is_forgotten()
    {
        var (time, recent) = Knocked();
        time.Advance(RecentKnocks.Lifetime + TimeSpan.FromSeconds(1));
        Assert.That(recent.IsRetransmission(Source, 40000, 7000, 0x89ABCDEF, 1000 + 180_000), Is.False);
    }

    private static (ManualTime Time, RecentKnocks Recent) Knocked()
    {
        var time = new ManualTime();
        var recent = new RecentKnocks(time);
        recent.Add(Source, 40000, 7000, 0x89ABCDEF, 1000);
        return (time, recent);
    }

    private sealed class ManualTime : TimeProvider
    {
        private long _ticks = 1;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
