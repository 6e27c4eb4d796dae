using System.Globalization;
using System.Text.RegularExpressions;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.EndToEnd;

/// <summary>
/// The decoy retransmissions of a v2 knock: after the client exits, a detached process of it sends
/// what Linux retransmits for a dropped connect() (here shortened with the client namespace's
/// tcp_syn_retries and tcp_syn_linear_timeouts to 2 retransmissions at +1 s and +2 s): the same
/// source port and sequence number, the IP ID + 1 each time, TSval advanced by the elapsed
/// milliseconds. The daemon opens once and counts the others as retransmissions, neither as attacks
/// nor as knocks. The sending process holds no capability and ends by itself.
/// </summary>
[TestFixture]
[Category("Root")]
[NonParallelizable]
public sealed partial class DecoyRetransmissionTests
{
    [Test]
    public void The_retransmissions_follow_the_kernels_schedule_and_are_counted_as_such()
    {
        Root.Require();
        using var site = new KnockSite("iptables", delaySeconds: 10, protocol: 2);
        site.Net.Client.Exec("sysctl", "-q", "-w", "net.ipv4.tcp_syn_retries=1", "net.ipv4.tcp_syn_linear_timeouts=1");
        using var daemon = site.StartDaemon();
        using var kernelLog = new KernelLogTail();

        var sent = site.ClientKnock(KnockSite.Service, retransmit: true);
        var pid = int.Parse(Decoys().Match(sent.Result.StdOut).Groups[1].Value, CultureInfo.InvariantCulture);
        try
        {
            // Run as root, it leaves uid 0 for nobody before it takes the raw socket: no thread keeps a capability.
            Assert.That(() => EveryThread(pid, "Uid", "CapPrm", "CapEff"), Is.EqualTo(new[] { "65534\t65534\t65534\t65534", "0000000000000000", "0000000000000000" }).After(900, 50),
                "the decoy sender runs as nobody without capabilities");

            var lines = Enumerable.Range(0, 3).Select(_ => KnockSite.WaitForLogLine(kernelLog, site.Net.ClientAddress, sent.Knock.SourcePort, site.KnockPort())).ToList();
            var ids = lines.Select(l => int.Parse(KnockSite.Field(l, "ID"), CultureInfo.InvariantCulture)).ToList();
            Assert.That(ids, Is.EqualTo(new[] { ids[0], (ids[0] + 1) & 0xFFFF, (ids[0] + 2) & 0xFFFF }), "IP ID + 1 per retransmission");
            Assert.That(lines.Select(l => KnockSite.Field(l, "SEQ")).Distinct().Count(), Is.EqualTo(1), "the same sequence number");
            var timestamps = lines.Select(Timestamp).ToList();
            Assert.That(unchecked(timestamps[1] - timestamps[0]), Is.InRange(900u, 1500u), "TSval + about 1000 ms");
            Assert.That(unchecked(timestamps[2] - timestamps[0]), Is.InRange(1900u, 2600u), "TSval + about 2000 ms");

            var counted = site.WaitForStatus(s => s.Retransmissions == 2, "two retransmissions");
            Assert.That((counted.Accepted, KnockSite.OwnRejections(counted).Count), Is.EqualTo((1L, 0L)));
            Assert.That(WaitForExit(pid, TimeSpan.FromSeconds(5)), Is.True, "the decoy sender ends after its last retransmission");
        }
        finally
        {
            if (DaemonProcess.IsAlive(pid))
            {
                _ = Tmds.Linux.LibC.kill(pid, Tmds.Linux.LibC.SIGKILL);
            }
        }
    }

    [Test]
    public void With_no_retransmit_one_SYN_is_sent_and_no_process_stays()
    {
        Root.Require();
        using var site = new KnockSite("iptables", delaySeconds: 10, protocol: 2);
        using var daemon = site.StartDaemon();
        var sent = site.ClientKnock(KnockSite.Service);
        Assert.That(Decoys().IsMatch(sent.Result.StdOut), Is.False, sent.Result.StdOut);
        Thread.Sleep(2500);
        Assert.That(site.WaitForStatus(s => s.Accepted == 1, "the knock").Retransmissions, Is.Zero);
    }

    [Test]
    public void The_hidden_sender_mode_run_by_hand_refuses_and_sends_nothing()
    {
        foreach (var args in new[] { new[] { "--internal-retransmit", "7" }, ["--internal-retransmit", "0"], ["--internal-retransmit", "x"] })
        {
            var result = Command.Run(Binaries.Client, args, closeInput: true);
            Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Usage), result.ToString());
            Assert.That(result.StdErr.TrimEnd('\n'), Is.EqualTo("knockknock: --internal-retransmit is for the client's own use"));
        }
    }

    /// <summary>The values of <paramref name="fields"/> in /proc/PID/task/*/status, when every thread has the same; else each thread's.</summary>
    private static string[] EveryThread(int pid, params string[] fields)
    {
        var values = Directory.GetDirectories($"/proc/{pid}/task")
            .Select(task => File.ReadAllText(Path.Combine(task, "status")))
            .Select(status => string.Join('|', fields.Select(f => Regex.Match(status, $@"(?m)^{f}:\s+(.*)$").Groups[1].Value)))
            .Distinct()
            .ToList();
        return values.Count == 1 ? values[0].Split('|') : [.. values];
    }

    private static uint Timestamp(string line)
        => uint.Parse(Regex.Match(line, @"OPT \([0-9A-F]*?080A([0-9A-F]{8})").Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private static bool WaitForExit(int pid, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DaemonProcess.IsAlive(pid))
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }
            Thread.Sleep(100);
        }
        return true;
    }

    [GeneratedRegex(@"^Retransmissions: process (\d+) ", RegexOptions.Multiline)]
    private static partial Regex Decoys();
}
