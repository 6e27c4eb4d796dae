using System.Text;
using KnockKnock.Daemon.Log;

namespace KnockKnock.Tests.Log;

/// <summary>When a syslog line says it was logged (only lines a file source reads while catching up need it).</summary>
[TestFixture]
public sealed class SyslogTimeTests
{
    private static readonly DateTimeOffset Now = new(2025, 1, 1, 0, 30, 0, TimeZoneInfo.Local.GetUtcOffset(new DateTime(2025, 1, 1, 0, 30, 0)));

    private static DateTimeOffset? Read(string line, DateTimeOffset now)
        => SyslogHeader.TryReadTime(Encoding.ASCII.GetBytes(line), now, out var time) ? time : null;

    [TestCase("2024-11-22T13:58:01.123456+01:00 host kernel: x", "2024-11-22T12:58:01.123456Z")]
    [TestCase("2024-11-22T13:58:01Z host kernel: x", "2024-11-22T13:58:01Z")]
    public void An_RFC_3339_time_keeps_its_offset(string line, string utc)
        => Assert.That(Read(line, Now), Is.EqualTo(DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture)));

    [Test]
    public void A_traditional_time_is_local_and_in_the_year_that_puts_it_before_now()
    {
        Assert.That(Read("Jan  1 00:29:00 host kernel: x", Now), Is.EqualTo(Now.AddMinutes(-1)));
        var lastYear = new DateTime(2024, 12, 31, 23, 59, 0);
        Assert.That(Read("Dec 31 23:59:00 host kernel: x", Now), Is.EqualTo(new DateTimeOffset(lastYear, TimeZoneInfo.Local.GetUtcOffset(lastYear))));
        // Up to a day ahead (a clock set a little wrong) stays in this year.
        Assert.That(Read("Jan  1 12:00:00 host kernel: x", Now)!.Value.Year, Is.EqualTo(2025));
    }

    [TestCase("Feb 30 10:00:00 host kernel: x")]
    [TestCase("Foo  1 10:00:00 host kernel: x")]
    [TestCase("Jan  1 25:00:00 host kernel: x")]
    [TestCase("2024-13-22T13:58:01Z host kernel: x")]
    [TestCase("")]
    [TestCase("kernel: x")]
    public void Anything_else_has_no_time(string line) => Assert.That(Read(line, Now), Is.Null);
}
