using System.Diagnostics;
using System.Globalization;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.EndToEnd;

/// <summary>
/// A flood of bogus knock SYNs (hping3 from a third namespace, its own address, 50,000 SYNs at
/// hping3's shortest interval, -i u1: 10,000 – 25,000 per second on the test machine, measured and
/// written to the output; --flood is not used because it ignores -c) against the knock port; the firewall LOGs every one of them (no rate limit: the daemon
/// gets the whole flood through /dev/kmsg). A valid knock sent in the middle still opens, while the
/// flood goes on. The latencies, idle and under flood, are written to the test output; they are
/// figures for scripts/bench-flood.sh and docs/PERFORMANCE.md, not asserted here.
/// </summary>
[TestFixture("nft")]
[TestFixture("iptables")]
[Category("Root")]
[NonParallelizable]
public sealed class FloodTests(string backend)
{
    private const int FloodPackets = 50_000;

    [Test]
    public void During_a_flood_of_bogus_knocks_a_valid_knock_opens_while_the_flood_goes_on()
    {
        Root.Require();
        using var site = new KnockSite(backend, delaySeconds: 3);
        var (flooder, _, serverSide) = site.Net.AddPeer("fld");
        using var daemon = site.StartDaemon();

        var idle = Knock(site, daemon, "idle");

        var floodStart = Stopwatch.GetTimestamp();
        using var flood = flooder.Start("hping3", ["-q", "-S", "-p", site.KnockPort().ToString(CultureInfo.InvariantCulture), "-i", "u1", "-c", FloodPackets.ToString(CultureInfo.InvariantCulture), serverSide]);
        var floodOutput = flood.StandardOutput.ReadToEndAsync();
        var floodErrors = flood.StandardError.ReadToEndAsync();
        try
        {
            Thread.Sleep(1500); // the flood is in full swing
            Assert.That(flood.HasExited, Is.False, "hping3 is still flooding");
            _ = Knock(site, daemon, "flood");
            Assert.That(flood.HasExited, Is.False, "the knock opened while hping3 was still flooding");
        }
        finally
        {
            if (!flood.WaitForExit(TimeSpan.FromSeconds(60)))
            {
                flood.Kill(); // by PID: the hping3 this test started
            }
        }
        var floodSeconds = Stopwatch.GetElapsedTime(floodStart).TotalSeconds;
        var stats = (floodOutput.Result + floodErrors.Result).Split('\n').FirstOrDefault(l => l.Contains("packets transmitted", StringComparison.Ordinal)) ?? "(no hping3 statistics)";
        TestContext.Out.WriteLine($"[{backend}] flood: {stats.Trim()} in {floodSeconds:F1} s (~{FloodPackets / floodSeconds:F0} SYN/s); idle latency {idle:F0} ms");
        Assert.That(daemon.HasExited, Is.False, daemon.Output);
        var kept = Stopwatch.GetTimestamp();
        var third = Knock(site, daemon, "after");
        TestContext.Out.WriteLine($"[{backend}] after the flood: {third:F0} ms ({KnockSite.Milliseconds(kept, Stopwatch.GetTimestamp()):F0} ms with the connect)");
    }

    /// <summary>Sends a real knock, waits for the daemon to accept it and connects; returns client exit to "accepted knock" in ms.</summary>
    private double Knock(KnockSite site, DaemonProcess daemon, string label)
    {
        var mark = daemon.LineCount;
        var sent = site.ClientKnock(KnockSite.Service);
        var accepted = daemon.WaitForLine($"(counter {sent.Knock.Counter})", TimeSpan.FromSeconds(10), mark);
        Assert.That(accepted, Is.Not.Null, $"{label}: the knock was not accepted within 10 s:\n{daemon.Output}");
        var latency = KnockSite.Milliseconds(sent.Finished, accepted!.Timestamp);
        var connectStart = Stopwatch.GetTimestamp();
        Assert.That(site.CanConnect(timeout: TimeSpan.FromSeconds(5)), Is.True, $"{label}: connect after the knock");
        TestContext.Out.WriteLine(
            $"[{backend}/{label}] client ran {KnockSite.Milliseconds(sent.Started, sent.Finished):F0} ms; client exit -> 'accepted knock' {latency:F0} ms; "
            + $"client start -> accepted {KnockSite.Milliseconds(sent.Started, accepted.Timestamp):F0} ms; connect {KnockSite.Milliseconds(connectStart, Stopwatch.GetTimestamp()):F0} ms");
        return latency;
    }
}
