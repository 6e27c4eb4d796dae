using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.EndToEnd;

/// <summary>
/// Invariant 7 end to end through the file source: 10,000 hostile lines (mutations of a real,
/// already used LOG line; a valid unused knock broken in every way the parser documents as refused;
/// random bytes; ICMP lines quoting the knock in brackets; over-long lines; the prefix with wrong
/// fields) crash nothing, open nothing, are counted and reported in one rate-limited summary, and
/// the unbroken valid knock still opens afterwards.
/// </summary>
[TestFixture("nft")]
[TestFixture("iptables")]
[Category("Root")]
[NonParallelizable]
public sealed partial class MalformedLineTests(string backend)
{
    private const int Seed = 20241122;

    [Test]
    public void Ten_thousand_hostile_lines_crash_nothing_open_nothing_are_counted_and_a_valid_knock_still_opens()
    {
        Root.Require();
        using var site = new KnockSite(backend, delaySeconds: 3);
        using var forwarder = new KernelLogForwarder(site.LogFile, site.IsOurLogLine);
        using var kernelLog = new KernelLogTail();
        using var daemon = site.StartDaemon(fileSource: true);
        var started = Stopwatch.GetTimestamp();

        // A real knock, accepted and used: its LOG line is the template of the hostile lines.
        var first = site.ClientKnock(KnockSite.Service);
        var consumed = KnockSite.WaitForLogLine(kernelLog, site.Net.ClientAddress, first.Knock.SourcePort, site.KnockPort());
        var accepted = daemon.WaitForLine("accepted knock:", TimeSpan.FromSeconds(10));
        Assert.That(accepted, Is.Not.Null, daemon.Output);
        Assert.That(site.CanConnect(), Is.True);
        // A valid knock that never reaches the kernel: hostile lines carry it, broken.
        var unused = site.ClientKnock(KnockSite.Service, dryRun: true).Knock;
        var fresh = HostileLines.WithKnock(consumed, unused.Fields, unused.SourcePort);
        KnockSite.SleepUntil(accepted!.Timestamp + (long)((site.DelaySeconds + 1) * Stopwatch.Frequency));
        Assert.That(site.Openings(), Is.Empty, "the first knock's opening is over");

        var (lines, counted) = HostileLines.Generate(10_000, consumed, fresh, Seed);
        var mark = daemon.LineCount;
        foreach (var chunk in lines.Chunk(500))
        {
            forwarder.AppendRaw(chunk.SelectMany(l => l).ToArray());
        }
        Thread.Sleep(2000);
        Assert.That(daemon.HasExited, Is.False, daemon.Output);
        Assert.That(site.Openings(), Is.Empty, "no opening from hostile lines");
        Assert.That(site.CanConnect(), Is.False, "no connection from hostile lines");

        // The summary is due 10 s after start; the next line processed after that triggers it.
        KnockSite.SleepUntil(started + (long)(10.5 * Stopwatch.Frequency));
        forwarder.AppendRaw(Encoding.UTF8.GetBytes(KernelLogForwarder.Header + fresh + "\n"));
        var opened = daemon.WaitForLine($"(counter {unused.Counter})", TimeSpan.FromSeconds(30), mark);
        Assert.That(opened, Is.Not.Null, $"the unbroken knock opens after the hostile lines:\n{daemon.Output}");
        Assert.That(daemon.Lines("accepted knock:", mark), Has.Count.EqualTo(1), daemon.Output);
        Assert.That(site.Openings(), Has.Count.EqualTo(1).And.All.Contain(site.Net.ClientAddress));
        Assert.That(site.CanConnect(), Is.True);
        Assert.That(site.CanConnect(), Is.False, "exactly one opening, used up");

        var summary = daemon.WaitForLine("knock-prefixed lines rejected:", TimeSpan.FromSeconds(5), mark);
        Assert.That(summary, Is.Not.Null, $"a rejection summary after 10 s:\n{daemon.Output}");
        TestContext.Out.WriteLine($"[{backend}] seed {Seed}; {counted} of {lines.Count} lines carry a kernel header and the prefix; summary: {summary!.Text}");
        var total = long.Parse(SummaryCount().Match(summary.Text).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.That(total, Is.EqualTo(counted), "every hostile knock-prefixed line was counted");
        Assert.That(daemon.LineCount - mark, Is.LessThan(10), $"rejections are summarised, not logged one by one:\n{daemon.Output}");

        var second = site.ClientKnock(KnockSite.Service);
        Assert.That(daemon.WaitForLine($"(counter {second.Knock.Counter})", TimeSpan.FromSeconds(10), mark), Is.Not.Null, daemon.Output);
        Assert.That(site.CanConnect(), Is.True, "a real knock still opens");
        Assert.That(daemon.HasExited, Is.False);
    }

    [GeneratedRegex(@"(\d+) knock-prefixed lines rejected")]
    private static partial Regex SummaryCount();
}
