using System.Text;
using KnockKnock.Daemon.Firewall;
using KnockKnock.Daemon.Firewall.Nft;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Attacks;

/// <summary>
/// The worker driven directly over its socketpair, as a compromised daemon would drive it. It used to
/// grant any port, the knock port, 0.0.0.0, 255.255.255.255, 127.0.0.1, any delay up to an hour, and
/// 931 requests in 10 s. Now it holds the policy root gave it at start and refuses, counts and logs
/// every request a valid knock could not have made; nothing it refuses reaches the firewall or moves
/// a counter.
/// </summary>
[Category("Root")]
[NonParallelizable]
public sealed class CompromisedDaemonAttackTests
{
    private const ushort Service = 2222;
    private TestNetwork _net = null!;
    private HostAddress _client;

    [SetUp]
    public void SetUp()
    {
        Root.Require();
        _net = new TestNetwork();
        _client = Addresses.Of(_net.ClientAddress);
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, NftRuleset.Text([TestWorker.KnockPort], LogPrefix.Default));
            _net.Server.Exec("nft", "-f", file);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [TearDown]
    public void TearDown() => _net?.Dispose();

    private string Elements() => _net.Server.Exec("nft", "list", "set", "inet", "knockknock", "allowed");

    private static string Ask(TestWorker worker, string request) => worker.Exchange(Encoding.ASCII.GetBytes(request));

    [TestCase("open test 0 {client} 22 5", "refused port-not-allowed", TestName = "A port the profile does not allow")]
    [TestCase("open test 0 {client} 7001 5", "refused port-not-allowed", TestName = "The knock port itself")]
    [TestCase("open test 0 0.0.0.0 2222 5", "refused not-a-unicast-host", TestName = "0.0.0.0")]
    [TestCase("open test 0 255.255.255.255 2222 5", "refused not-a-unicast-host", TestName = "255.255.255.255")]
    [TestCase("open test 0 127.0.0.1 2222 5", "refused not-a-unicast-host", TestName = "127.0.0.1")]
    [TestCase("open test 0 224.0.0.1 2222 5", "refused not-a-unicast-host", TestName = "A multicast address")]
    [TestCase("open test 0 :: 2222 5", "refused not-a-unicast-host", TestName = "IPv6 unspecified")]
    [TestCase("open test 0 ::1 2222 5", "refused not-a-unicast-host", TestName = "IPv6 loopback")]
    [TestCase("open test 0 ff02::1 2222 5", "refused not-a-unicast-host", TestName = "IPv6 multicast")]
    [TestCase("open test 0 ::ffff:198.18.1.2 2222 5", "refused not-a-unicast-host", TestName = "IPv4-mapped IPv6")]
    [TestCase("open test 0 {client} 2222 3600", "refused wrong-delay", TestName = "An hour instead of the configured delay")]
    [TestCase("open test 0 {client} 2222 1", "refused wrong-delay", TestName = "A shorter delay")]
    [TestCase("open other 0 {client} 2222 5", "refused unknown-profile", TestName = "A profile the policy does not name")]
    [TestCase("open test 20 {client} 2222 5", "refused counter-beyond-window", TestName = "A counter beyond the window")]
    [TestCase("open test 18446744073709551615 {client} 2222 5", "refused counter-beyond-window", TestName = "The largest counter")]
    public void A_request_a_valid_knock_could_not_have_made_is_refused_and_changes_nothing(string request, string reply)
    {
        using var worker = TestWorker.Start(NftBackend.Instance, _net.Server, delay: 5, allowed: "2222,7001");
        Assert.That(Ask(worker, request.Replace("{client}", _net.ClientAddress, StringComparison.Ordinal)), Is.EqualTo(reply));
        Assert.That(Elements(), Does.Not.Contain("elements"), "the firewall is untouched");
        Assert.That(worker.StoredCounter(), Is.Zero, "the counter is untouched");
        Assert.That(Ask(worker, $"open test 0 {_net.ClientAddress} 2222 5"), Is.EqualTo("ok"), "and a valid request still works");
    }

    [Test]
    public void A_counter_is_granted_once_and_the_worker_stores_it_before_it_opens()
    {
        using var worker = TestWorker.Start(NftBackend.Instance, _net.Server, delay: 5, allowed: "2222");
        Assert.That(Ask(worker, $"open test 3 {_net.ClientAddress} 2222 5"), Is.EqualTo("ok"));
        Assert.That(worker.StoredCounter(), Is.EqualTo(4UL));
        Assert.That(Ask(worker, $"open test 3 {_net.ClientAddress} 2222 5"), Is.EqualTo("refused counter-used"));
        Assert.That(Ask(worker, $"open test 2 {_net.ClientAddress} 2222 5"), Is.EqualTo("refused counter-used"));
        Assert.That(Ask(worker, $"open test 4 {_net.ClientAddress} 2222 5"), Is.EqualTo("ok"));
        Assert.That(worker.StoredCounter(), Is.EqualTo(5UL));
    }

    [Test]
    public void No_more_live_openings_than_the_cap()
    {
        using var worker = TestWorker.Start(NftBackend.Instance, _net.Server, delay: 30, allowed: "2222", maxOpenings: 3);
        for (var i = 1; i <= 3; i++)
        {
            Assert.That(worker.Open(Addresses.Of($"198.18.200.{i}"), Service, out var reason), Is.True, reason);
        }
        Assert.That(worker.Open(Addresses.Of("198.18.200.4"), Service, out var refused), Is.False);
        Assert.That(refused, Is.EqualTo("too-many-openings"));
        Assert.That(worker.Open(Addresses.Of("198.18.200.1"), Service, out var again), Is.True, "a new knock of a live pair replaces it: " + again);
    }

    [Test]
    public void No_more_openings_per_second_than_the_cap_and_a_flood_of_requests_gets_no_further()
    {
        var messages = new List<string>();
        using var worker = TestWorker.Start(NftBackend.Instance, _net.Server, delay: 30, allowed: "2222", maxRate: 5, messages: messages);
        var granted = 0;
        var refused = 0;
        for (var i = 0; i < 200; i++)
        {
            // A flood as a compromised daemon would send it: fresh counters and sources as fast as it can.
            if (worker.Open(Addresses.Of($"198.18.{200 + (i / 250)}.{1 + (i % 250)}"), Service, out var reason))
            {
                granted++;
            }
            else
            {
                Assert.That(reason, Is.EqualTo("rate-limit").Or.EqualTo("counter-beyond-window"));
                refused++;
            }
        }
        Assert.That(granted, Is.InRange(5, 10), "the burst, then at most the rate");
        Assert.That(refused, Is.EqualTo(200 - granted));
        lock (messages)
        {
            Assert.That(messages, Has.Some.Contains("refused requests outside the policy:").And.Some.Contains("rate-limit="), "logged, and counted");
            Assert.That(messages.Count, Is.LessThan(10), "at most a line a second");
        }
    }
}
