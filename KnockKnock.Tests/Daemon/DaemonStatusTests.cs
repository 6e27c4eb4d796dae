using System.Text;
using KnockKnock.Daemon.Host;
using KnockKnock.Daemon.Knocks;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Daemon;

/// <summary>The status file: the firewall line (when the worker last recreated its part after a reload) and the openings, written and read back strictly. Pure, no root.</summary>
[TestFixture]
public sealed class DaemonStatusTests
{
    private static readonly DateTimeOffset s_time = new(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Test]
    public void The_last_recreation_is_written_and_read_back()
    {
        var status = Status(s_time.AddMinutes(-3));
        var text = status.Format();
        Assert.That(text, Does.Contain("\nfirewall nft\nfirewall_recreated 2030-01-02T03:01:05Z\n"));
        Assert.That(DaemonStatus.TryParse(text, out var read), Is.True);
        Assert.That(read.FirewallRecreated, Is.EqualTo(s_time.AddMinutes(-3)));

        var never = Status(null).Format();
        Assert.That(never, Does.Contain("\nfirewall_recreated -\n"));
        Assert.That(DaemonStatus.TryParse(never, out read), Is.True);
        Assert.That(read.FirewallRecreated, Is.Null);
    }

    [TestCase("firewall_recreated yesterday")]
    [TestCase("firewall_recreated 2030-01-02 03:01:05")]
    [TestCase("")]
    public void A_bad_or_missing_recreation_line_makes_the_file_unreadable(string line)
    {
        var text = Status(null).Format().Replace("firewall_recreated -\n", line.Length > 0 ? line + "\n" : "", StringComparison.Ordinal);
        Assert.That(DaemonStatus.TryParse(text, out _), Is.False);
    }

    [Test]
    public void A_burst_of_openings_lists_the_latest_within_what_the_status_command_reads()
    {
        var openings = new GrantedOpenings();
        for (var i = 0; i < 5000; i++)
        {
            openings.Add(new GrantedOpening(new string('p', 64), Addresses.Of($"fd00:1db8:ffff:ffff:ffff:ffff:{0x1000 + (i / 256):x}:{0x1000 + (i % 256):x}"), 65535, s_time.AddSeconds(10)));
        }
        var (count, latest) = openings.Current(s_time, DaemonStatus.ListedOpenings);
        var text = new DaemonStatus(100, 101, s_time.AddHours(-1), s_time, "/dev/kmsg", "overruns=0", "nft", null, 5000, 0, 0, "none",
            [("alpha", 7000, "22", null)], count, latest).Format();

        Assert.That(Encoding.UTF8.GetByteCount(text), Is.LessThanOrEqualTo(StatusFile.MaxLength));
        Assert.That(DaemonStatus.TryParse(text, out var read), Is.True);
        Assert.That(read.OpeningCount, Is.EqualTo(5000));
        Assert.That(read.Openings, Has.Count.EqualTo(DaemonStatus.ListedOpenings));
        Assert.That(read.Openings[^1].Source, Is.EqualTo(Addresses.Of("fd00:1db8:ffff:ffff:ffff:ffff:1013:1087")), "the latest opening is listed");
    }

    [Test]
    public void A_file_listing_more_openings_than_it_counts_is_unreadable()
    {
        var text = Status(null).Format().Replace("openings 1\n", "openings 0\n", StringComparison.Ordinal);
        Assert.That(DaemonStatus.TryParse(text, out _), Is.False);
    }

    private static DaemonStatus Status(DateTimeOffset? recreated)
        => new(100, 101, s_time.AddHours(-1), s_time, "/dev/kmsg", "overruns=0", "nft", recreated, 1, 0, 0, "none",
            [("alpha", 7000, "22", null)], 1, [new GrantedOpening("alpha", Addresses.Of("198.18.1.2"), 22, s_time.AddSeconds(10))]);
}
