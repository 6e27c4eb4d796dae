using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.EndToEnd;

/// <summary>
/// The measurement behind docs/PERFORMANCE.md "Knock and connect" (explicit: run it by name). In
/// the test namespaces with the real daemon (iptables) and sshd on the protected port: the time from
/// starting <c>knockknock connect</c> to the first byte of sshd's banner on its standard output,
/// next to <c>nc</c> to a second sshd on an open port (what ssh's ProxyCommand costs without a
/// knock), and connect's own "connected ... N ms after knock 1", 30 runs each, interleaved.
/// </summary>
[TestFixture]
[Category("Root")]
[Explicit("a measurement for docs/PERFORMANCE.md, not a check")]
[NonParallelizable]
public sealed partial class ConnectTimingTests
{
    private const int Runs = 30;
    private const int OpenPort = 2200;

    [Test]
    public void Time_to_the_first_banner_byte_through_connect_and_without_a_knock()
    {
        using var site = new KnockSite("iptables", delaySeconds: 5, protocol: 2, services: []);
        using var daemon = site.StartDaemon();
        using var knocked = SshServer.Start(site.Net.Server, KnockSite.Service, Path.Combine(site.Directory, "ssh-knocked"));
        using var open = SshServer.Start(site.Net.Server, OpenPort, Path.Combine(site.Directory, "ssh-open"));
        SocksProxyTests.AcceptInServer(site, OpenPort);
        var profile = Path.Combine(site.ClientDirectory, "alpha");
        var port = KnockSite.Service.ToString(CultureInfo.InvariantCulture);

        var viaConnect = new List<double>();
        var viaNc = new List<double>();
        var knockToConnection = new List<double>();
        var knocks = new List<int>();
        for (var run = 0; run < Runs; run++)
        {
            var (connectMs, stderr) = FirstByte(site.Net.Client, Binaries.Client, ["connect", site.Net.ServerAddress, port, "--profile-dir", profile, "--no-retransmit", "-v"]);
            viaConnect.Add(connectMs);
            var connected = Connected().Match(stderr);
            Assert.That(connected.Success, Is.True, stderr);
            knockToConnection.Add(double.Parse(connected.Groups[1].Value, CultureInfo.InvariantCulture));
            knocks.Add(int.Parse(connected.Groups[2].Value, CultureInfo.InvariantCulture));
            viaNc.Add(FirstByte(site.Net.Client, "nc", [site.Net.ServerAddress, OpenPort.ToString(CultureInfo.InvariantCulture)]).Milliseconds);
            // Let the opening expire: every run starts from a closed port.
            Thread.Sleep(5500);
        }
        TestContext.Out.WriteLine($"load average before/after: {File.ReadAllText("/proc/loadavg").Trim()}");
        TestContext.Out.WriteLine($"knockknock connect -> first banner byte: {Describe(viaConnect)}");
        TestContext.Out.WriteLine($"nc to an open port -> first banner byte: {Describe(viaNc)}");
        TestContext.Out.WriteLine($"knock sent -> connection (connect -v): {Describe(knockToConnection)}");
        TestContext.Out.WriteLine($"knocks needed: {string.Join(' ', knocks.GroupBy(k => k).OrderBy(g => g.Key).Select(g => $"{g.Key}x{g.Count()}"))}");
        Assert.That(knocks, Has.All.EqualTo(1), "no knock lost between two namespaces");
    }

    /// <summary>Milliseconds from starting <paramref name="file"/> in <paramref name="ns"/> to its first byte on standard output (then it is ended), and its standard error.</summary>
    private static (double Milliseconds, string StdErr) FirstByte(NetworkNamespace ns, string file, string[] args)
    {
        var clock = Stopwatch.StartNew();
        // Standard input closed at once: connect passes that on as a half-close, sshd has sent its banner already.
        using var process = Command.Start("ip", ["netns", "exec", ns.Name, file, .. args], closeInput: true);
        var error = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            lock (error)
            {
                error.AppendLine(e.Data);
            }
        };
        process.BeginErrorReadLine();
        var first = process.StandardOutput.BaseStream.ReadByte();
        var elapsed = clock.Elapsed.TotalMilliseconds;
        Assert.That(first, Is.EqualTo('S'), "the banner starts with SSH-2.0");
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
        lock (error)
        {
            return (elapsed, error.ToString());
        }
    }

    private static string Describe(List<double> values)
    {
        var sorted = values.Order().ToList();
        return string.Create(CultureInfo.InvariantCulture, $"median {sorted[sorted.Count / 2]:F1} ms, min {sorted[0]:F1}, max {sorted[^1]:F1}, p90 {sorted[sorted.Count * 9 / 10]:F1} (n={sorted.Count})");
    }

    [GeneratedRegex(@"connected to .+?, (\d+) ms after knock (\d+)")]
    private static partial Regex Connected();
}
