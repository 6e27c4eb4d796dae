using KnockKnock.Daemon.Firewall;
using KnockKnock.Daemon.Firewall.Iptables;
using KnockKnock.Daemon.Firewall.Nft;

using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Firewall;

/// <summary>
/// What a restarted worker makes of chain KNOCKKNOCK (<c>iptables -S</c> as iptables-nft 1.8.9
/// prints it): expired openings go, live ones stay, anything it did not write is left alone.
/// </summary>
[TestFixture]
public sealed class IptablesLeftoversTests
{
    private const string Accept = "-A KNOCKKNOCK -m connmark --mark 0x4b4b0001 -j ACCEPT";
    private static readonly DateTimeOffset s_now = DateTimeOffset.FromUnixTimeSeconds(1_893_456_000);

    private static string Rule(string address, int port, long until, string? comment = null)
        => $"-A KNOCKKNOCK -s {address}/32 -p tcp -m tcp --dport {port} -m conntrack --ctstate NEW -m time --datestop 2030-01-01T00:00:00 "
            + $"-m limit --limit 1/day --limit-burst 1 -m comment --comment \"{comment ?? $"knockknock {address}:{port} until {until}"}\" "
            + "-j CONNMARK --set-xmark 0x4b4b0001/0xffffffff";

    [Test]
    public void Expired_and_live_openings_are_told_apart_by_their_deadline()
    {
        var listing = string.Join('\n',
            "-N KNOCKKNOCK",
            Rule("198.18.1.2", 2222, 1_893_456_030),
            Rule("198.18.1.3", 22, 1_893_456_000), // deadline now: expired (the kernel stops at it)
            Rule("10.0.0.1", 65535, 1_893_455_000),
            Accept,
            "");
        var leftovers = IptablesLeftovers.Parse(listing, s_now);
        Assert.That(leftovers.Live, Is.EqualTo(new[] { new FirewallOpening(Addresses.Of("198.18.1.2"), 2222, 30, DateTimeOffset.FromUnixTimeSeconds(1_893_456_030)) }));
        Assert.That(leftovers.Expired.Select(o => (o.Source, o.Port, o.Until.ToUnixTimeSeconds())), Is.EqualTo(new[]
        {
            (Addresses.Of("198.18.1.3"), (ushort)22, 1_893_456_000L), (Addresses.Of("10.0.0.1"), (ushort)65535, 1_893_455_000L),
        }));
        Assert.That((leftovers.AdmittedCount, leftovers.AdmittedIsLast), Is.EqualTo((1, true)));
        Assert.That(leftovers.Foreign, Is.Empty);
    }

    [Test]
    public void A_deleted_expired_rule_is_the_exact_argv_the_worker_inserted()
    {
        var until = DateTimeOffset.FromUnixTimeSeconds(1_893_455_000);
        var inserted = IptablesCommands.InsertOpening(Addresses.Of("198.18.1.2"), 2222, until.AddMilliseconds(700));
        var listed = "-A KNOCKKNOCK " + string.Join(' ', inserted[5..].Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"\"{a}\"" : a));
        var expired = IptablesLeftovers.Parse(listed, s_now).Expired.Single();
        Assert.That(IptablesCommands.DeleteOpening(expired.Source, expired.Port, expired.Until),
            Is.EqualTo(IptablesCommands.DeleteOpening(Addresses.Of("198.18.1.2"), 2222, until.AddMilliseconds(700))));
    }

    [TestCase("-A KNOCKKNOCK -s 192.0.2.1/32 -j ACCEPT")]
    [TestCase("-A INPUT -j KNOCKKNOCK")]
    [TestCase("-P INPUT DROP")]
    public void Lines_it_did_not_write_are_foreign(string line)
    {
        var leftovers = IptablesLeftovers.Parse($"-N KNOCKKNOCK\n{line}\n{Accept}\n", s_now);
        Assert.That(leftovers.Foreign, Is.EqualTo(new[] { line }));
        Assert.That(leftovers.Live.Concat(leftovers.Expired), Is.Empty);
    }

    [TestCase("knockknock 198.18.1.2:2222 until ")]
    [TestCase("knockknock 198.18.1.2:2222 until 01893456030")]
    [TestCase("knockknock 198.18.1.2:2222 until -1")]
    [TestCase("knockknock 198.18.1.2:2222 until 1893456030 ")]
    [TestCase("knockknock 198.18.1.2:2222 until 18934560300000")]
    [TestCase("knockknock 198.18.1.2:0 until 1893456030")]
    [TestCase("knockknock 198.18.1.2:65536 until 1893456030")]
    [TestCase("knockknock 198.18.1.2:02222 until 1893456030")]
    [TestCase("knockknock 198.18.01.2:2222 until 1893456030")]
    [TestCase("knockknock 198.18.1:2222 until 1893456030")]
    [TestCase("knockknock 198.18.1.2 2222 until 1893456030")]
    [TestCase("knockknock  198.18.1.2:2222 until 1893456030")]
    [TestCase("KNOCKKNOCK 198.18.1.2:2222 until 1893456030")]
    [TestCase("knockknock 198.18.1.9:2222 until 1893456030")] // disagrees with -s
    [TestCase("knockknock 198.18.1.2:2223 until 1893456030")] // disagrees with --dport
    public void Malformed_or_inconsistent_comments_make_a_foreign_line(string comment)
    {
        var line = Rule("198.18.1.2", 2222, 0, comment);
        var leftovers = IptablesLeftovers.Parse(line, s_now);
        Assert.That(leftovers.Foreign, Is.EqualTo(new[] { line }));
        Assert.That(leftovers.Live.Concat(leftovers.Expired), Is.Empty);
    }

    [Test]
    public void A_missing_duplicated_or_misplaced_accept_rule_is_seen()
    {
        var live = Rule("198.18.1.2", 2222, 1_893_456_030);
        Assert.That(Admitted($"-N KNOCKKNOCK\n{live}\n"), Is.EqualTo((0, false)));
        Assert.That(Admitted("-N KNOCKKNOCK\n"), Is.EqualTo((0, false)));
        Assert.That(Admitted($"{Accept}\n{Accept}\n"), Is.EqualTo((2, true)));
        Assert.That(Admitted($"{Accept}\n{live}\n"), Is.EqualTo((1, false)));
        Assert.That(Admitted($"{live}\n{Accept}\n"), Is.EqualTo((1, true)));

        static (int, bool) Admitted(string listing)
        {
            var leftovers = IptablesLeftovers.Parse(listing, s_now);
            return (leftovers.AdmittedCount, leftovers.AdmittedIsLast);
        }
    }
}
