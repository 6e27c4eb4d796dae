using KnockKnock.Daemon.Firewall;
using KnockKnock.Daemon.Worker;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Worker;

/// <summary>
/// The worker's list of its openings, against a recording firewall and a clock the test moves:
/// the kernel closes openings by itself, so the list only has to forget them on time (for the cap)
/// and replace a live one. No timer, no second thread. Pure, no root.
/// </summary>
[TestFixture]
public sealed class ActiveOpeningsTests
{
    private static readonly HostAddress A = Addresses.Of("198.18.1.2");
    private static readonly HostAddress B = Addresses.Of("2001:db8::2");

    [Test]
    public void An_opening_counts_until_its_deadline_and_no_longer()
    {
        var (openings, firewall, clock) = Make();
        Assert.That(openings.TryOpen(A, 22, 15, out var error), Is.True, error);
        Assert.That(openings.TryOpen(B, 22, 15, out error), Is.True, error);
        Assert.That(firewall.Calls, Is.EqualTo(new[] { "open 198.18.1.2 22 15", "open 2001:db8::2 22 15" }));
        clock.Advance(TimeSpan.FromSeconds(14.9));
        Assert.That((openings.Count, openings.Contains(A, 22)), Is.EqualTo((2, true)));
        clock.Advance(TimeSpan.FromSeconds(0.1));
        Assert.That((openings.Count, openings.Contains(A, 22)), Is.EqualTo((0, false)));
        Assert.That(firewall.Calls, Has.Count.EqualTo(2), "the kernel closes them: nothing is sent at the deadline");
    }

    [Test]
    public void Compacting_when_idle_forgets_the_expired_and_has_the_backend_drop_its_caches()
    {
        var (openings, firewall, clock) = Make();
        Assert.That(openings.TryOpen(A, 22, 15, out var error), Is.True, error);
        clock.Advance(TimeSpan.FromSeconds(15));
        openings.Compact();
        Assert.That(openings.Count, Is.Zero);
        Assert.That(firewall.Calls, Is.EqualTo(new[] { "open 198.18.1.2 22 15", "release caches" }));
    }

    [Test]
    public void A_new_knock_of_a_live_pair_replaces_it_with_a_fresh_delay()
    {
        var (openings, firewall, clock) = Make();
        Assert.That(openings.TryOpen(A, 22, 15, out _), Is.True);
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.That(openings.TryOpen(A, 22, 15, out _), Is.True);
        Assert.That(firewall.Calls, Is.EqualTo(new[] { "open 198.18.1.2 22 15", "close 198.18.1.2 22", "open 198.18.1.2 22 15" }));
        clock.Advance(TimeSpan.FromSeconds(6));
        Assert.That(openings.Count, Is.EqualTo(1), "the first deadline passed, the replacement's has not");
        clock.Advance(TimeSpan.FromSeconds(9));
        Assert.That(openings.Count, Is.Zero);
    }

    [Test]
    public void A_refused_opening_is_not_counted_and_reset_forgets_all_and_resets_the_firewall()
    {
        var (openings, firewall, _) = Make();
        firewall.Refuse = true;
        Assert.That(openings.TryOpen(A, 22, 15, out var error), Is.False);
        Assert.That(error, Is.EqualTo("refused by the test"));
        Assert.That(openings.Count, Is.Zero);
        firewall.Refuse = false;
        Assert.That(openings.TryOpen(A, 22, 15, out _) && openings.TryOpen(A, 23, 15, out _), Is.True);
        openings.Reset();
        Assert.That(openings.Count, Is.Zero);
        Assert.That(firewall.Calls[^1], Is.EqualTo("reset"));
        Assert.That(openings.TryOpen(A, 22, 15, out _), Is.True);
        openings.Detach();
        Assert.That(openings.Count, Is.Zero);
        Assert.That(firewall.Calls[^1], Is.EqualTo("open 198.18.1.2 22 15"), "detach leaves the firewall alone");
    }

    private static (ActiveOpenings Openings, RecordingFirewall Firewall, ManualClock Clock) Make()
    {
        var firewall = new RecordingFirewall();
        var clock = new ManualClock();
        return (new ActiveOpenings(firewall, clock), firewall, clock);
    }

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }

    private sealed class RecordingFirewall : IFirewallOpenings
    {
        public List<string> Calls { get; } = [];

        public bool Refuse { get; set; }

        public void Prepare(List<string> notes) => Calls.Add("prepare");

        public void Reset() => Calls.Add("reset");

        public void ReleaseCaches() => Calls.Add("release caches");

        public bool TryOpen(FirewallOpening opening, out string error)
        {
            error = Refuse ? "refused by the test" : "";
            if (!Refuse)
            {
                Calls.Add($"open {opening.Source} {opening.Port} {opening.Seconds}");
            }
            return !Refuse;
        }

        public bool TryClose(FirewallOpening opening, out string error)
        {
            Calls.Add($"close {opening.Source} {opening.Port}");
            error = "";
            return true;
        }

        public RepairOutcome TryRepair(out string error)
        {
            error = "";
            return RepairOutcome.Intact;
        }

        public void Dispose()
        {
        }
    }
}
