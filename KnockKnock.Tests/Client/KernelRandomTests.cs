extern alias client;

using client::KnockKnock.Client;

namespace KnockKnock.Tests.Client;

/// <summary>The knock's random ports and flow labels: from getrandom, inside their range, every value reachable.</summary>
[TestFixture]
public sealed class KernelRandomTests
{
    [TestCase(0, 1)]
    [TestCase(0, 3)]
    [TestCase(32768, 32775)]
    [TestCase(-4, 4)]
    public void Every_value_of_a_small_range_comes_and_none_outside_it(int low, int high)
    {
        var seen = new HashSet<int>();
        for (var i = 0; i < 2000; i++)
        {
            var value = KernelRandom.GetInt32(low, high);
            Assert.That(value, Is.InRange(low, high - 1));
            seen.Add(value);
        }
        Assert.That(seen, Is.EquivalentTo(Enumerable.Range(low, high - low)));
    }

    [Test]
    public void A_wide_range_is_covered_evenly()
    {
        // [1, 2^20): the IPv6 flow labels. Both halves of the range come about equally often.
        var upper = 0;
        for (var i = 0; i < 4000; i++)
        {
            var value = KernelRandom.GetInt32(1, 1 << 20);
            Assert.That(value, Is.InRange(1, (1 << 20) - 1));
            upper += value >= 1 << 19 ? 1 : 0;
        }
        Assert.That(upper, Is.InRange(1700, 2300));
    }

    [TestCase(int.MinValue, int.MaxValue)]
    [TestCase(-2, int.MaxValue)]
    [TestCase(int.MinValue, 0)]
    public void The_widest_ranges_work_too(int low, int high)
    {
        for (var i = 0; i < 100; i++)
        {
            Assert.That(KernelRandom.GetInt32(low, high), Is.InRange(low, high - 1));
        }
    }

    [Test]
    public void An_empty_range_is_refused()
        => Assert.That(() => KernelRandom.GetInt32(5, 5), Throws.InstanceOf<ArgumentOutOfRangeException>());
}
