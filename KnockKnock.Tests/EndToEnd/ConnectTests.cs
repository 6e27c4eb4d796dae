extern alias client;

using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.EndToEnd;

/// <summary>
/// <c>knockknock connect HOST PORT</c> for real, against the real daemon in namespaces (protocol 2
/// profiles; the service is the site's echo server): it relays both ways and passes the end of
/// standard input on as a half-close; a knock lost on the way is made good by the next one, and -v
/// says so; with the daemon stopped it gives up after its knocks with one line and exit 1; twenty
/// at once all get in, each with its own knocks and counters; the relay holds no capability.
/// </summary>
[TestFixture("iptables")]
[TestFixture("nft")]
[Category("Root")]
[NonParallelizable]
public sealed partial class ConnectTests(string backend)
{
    [Test]
    public void Connect_relays_both_ways_and_passes_the_end_of_input_on_as_a_half_close()
    {
        using var site = new KnockSite(backend, protocol: 2);
        using var daemon = site.StartDaemon();
        // More than the relay's 64 KiB buffer; the echo server closes only when it reads the end,
        // so the output is complete only if the end of standard input reached it as a half-close.
        var text = "first line\nsecond line\n" + string.Concat(Enumerable.Repeat("0123456789abcdef", 20_000)) + "\nlast line\n";

        var result = site.Net.Client.Run(Binaries.Client, Arguments(site), text, TimeSpan.FromSeconds(60));

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Ok), result.StdErr);
        Assert.That(result.StdOut, Is.EqualTo(text), "standard output carries the relayed bytes and nothing else");
        Assert.That(result.StdErr, Is.Empty, "nothing on standard error without -v");
        Assert.That(daemon.WaitForLine("accepted knock:", TimeSpan.FromSeconds(5)), Is.Not.Null, daemon.Output);
    }

    [Test]
    public void With_the_first_knock_dropped_connect_gets_in_by_its_second_and_says_so()
    {
        using var site = new KnockSite(backend, protocol: 2);
        using var daemon = site.StartDaemon();
        // Lost on the way: dropped as it reaches the server, before its firewall sees and LOGs it
        // (a DROP in the client's OUTPUT chain would fail the sending sendto with EPERM instead).
        // xt_statistic nth with --packet 0 matches the first packet, then every 1000th.
        site.Net.Server.Exec("iptables", "-w", "-t", "raw", "-A", "PREROUTING", "-p", "tcp", "--dport", Text(site.KnockPort()), "--tcp-flags", "FIN,SYN,RST,ACK", "SYN",
            "-m", "statistic", "--mode", "nth", "--every", "1000", "--packet", "0", "-j", "DROP");

        var result = site.Net.Client.Run(Binaries.Client, Arguments(site, "-v"), "ping\n", TimeSpan.FromSeconds(30));

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Ok), result.StdErr);
        Assert.That(result.StdOut, Is.EqualTo("ping\n"));
        Assert.That(DroppedByRule(site), Is.EqualTo(1), "the rule dropped exactly one knock SYN");
        var knocks = Knocks(result.StdErr);
        Assert.That(knocks.Select(k => k.Number), Is.EqualTo(new[] { 1, 2 }), result.StdErr);
        Assert.That(knocks[1].Counter, Is.EqualTo(knocks[0].Counter + 1), "the second knock uses the next counter");
        Assert.That(result.StdErr, Does.Contain($"no connection to {site.Net.ServerAddress} port {KnockSite.Service} within 1000 ms of knock 1; knocking again"));
        Assert.That(result.StdErr, Does.Match($@"knockknock: connected to {Regex.Escape(site.Net.ServerAddress)} port {KnockSite.Service}, \d+ ms after knock 2 "));
        var accepted = daemon.WaitForLine("accepted knock:", TimeSpan.FromSeconds(5));
        Assert.That(accepted?.Text, Does.Contain($"(counter {knocks[1].Counter})"), daemon.Output);
        Assert.That(daemon.Lines("accepted knock:"), Has.Count.EqualTo(1), "the dropped knock never reached the server");
    }

    [Test]
    public void With_the_daemon_stopped_connect_gives_up_after_its_knocks_with_one_line_and_exit_1()
    {
        using var site = new KnockSite(backend, protocol: 2);
        var daemon = site.StartDaemon();
        Assert.That(daemon.Stop(), Is.EqualTo(ExitCodes.Ok), daemon.Output);

        var clock = Stopwatch.StartNew();
        var result = site.Net.Client.Run(Binaries.Client, Arguments(site), "never sent\n", TimeSpan.FromSeconds(30));
        clock.Stop();

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Failure), result.ToString());
        Assert.That(result.StdOut, Is.Empty);
        var lines = result.StdErr.TrimEnd('\n').Split('\n');
        Assert.That(lines, Has.Length.EqualTo(1), result.StdErr);
        var address = site.Net.ServerAddress;
        Assert.That(lines[0], Is.EqualTo(
            $"knockknock: no connection to {address} port {KnockSite.Service} ({address}) after 3 knocks to knock port {site.KnockPort()} (counters 0-2) in 7 s: "
            + $"check that knockknock-daemon runs on {address} (knockknock-daemon status), that its firewall LOGs SYNs to port {site.KnockPort()} (knockknock-daemon check), "
            + $"that the profile allows port {KnockSite.Service}, and that the counters are in sync (status counts rejected knocks)"));
        Assert.That(clock.Elapsed.TotalSeconds, Is.InRange(7.0, 12.0), "three knocks, after which it waited 1, 2 and 4 s (the defaults)");
    }

    [Test]
    public void Twenty_connects_at_once_all_get_in_each_with_its_own_knocks_and_counters()
    {
        const int Clients = 20;
        using var site = new KnockSite(backend, delaySeconds: 10, protocol: 2);
        using var daemon = site.StartDaemon();

        var processes = Enumerable.Range(0, Clients)
            .Select(i => Command.Start("ip", ["netns", "exec", site.Net.Client.Name, Binaries.Client, .. Arguments(site, "-v")], input: $"client {i}\n"))
            .ToList();
        var results = processes.Select(p =>
        {
            using (p)
            {
                var output = p.StandardOutput.ReadToEndAsync();
                var error = p.StandardError.ReadToEndAsync();
                if (!p.WaitForExit(TimeSpan.FromSeconds(60)))
                {
                    p.Kill();
                    Assert.Fail("a connect did not finish within 60 s");
                }
                return new CommandResult(p.ExitCode, output.Result, error.Result);
            }
        }).ToList();

        for (var i = 0; i < Clients; i++)
        {
            Assert.That(results[i].ExitCode, Is.EqualTo(ExitCodes.Ok), results[i].StdErr);
            Assert.That(results[i].StdOut, Is.EqualTo($"client {i}\n"), "each got its own connection through");
        }
        var counters = results.SelectMany(r => Knocks(r.StdErr)).Select(k => k.Counter).ToList();
        Assert.That(counters, Is.Unique, "no counter used twice");
        Assert.That(counters, Has.Count.GreaterThanOrEqualTo(Clients));
        TestContext.Out.WriteLine($"[{backend}] {Clients} connects used {counters.Count} knocks");
        var deadline = Stopwatch.StartNew();
        while (daemon.Lines("accepted knock:").Count < counters.Count && deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            Thread.Sleep(100);
        }
        // A burst of knocks can lose one to the kernel log's rate limit: that is what the retries are
        // for. Whatever was accepted was sent, once, and at least one knock per connect got through.
        var accepted = daemon.Lines("accepted knock:").Select(l => ulong.Parse(AcceptedCounter().Match(l.Text).Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
        Assert.That(accepted, Is.Unique.And.SubsetOf(counters), daemon.Output);
        Assert.That(accepted, Has.Count.GreaterThanOrEqualTo(Clients), daemon.Output);
    }

    [Test]
    public void The_relay_and_the_decoy_sender_hold_no_capability_in_any_thread()
    {
        using var site = new KnockSite(backend, protocol: 2);
        // The decoy sender then sends two retransmissions (+1 s, +2 s) and ends by itself.
        site.Net.Client.Exec("sysctl", "-q", "-w", "net.ipv4.tcp_syn_retries=1", "net.ipv4.tcp_syn_linear_timeouts=1");
        using var daemon = site.StartDaemon();
        // Started holding a descriptor without close-on-exec (7, /etc/passwd), as a careless parent
        // would leave it: neither copy may get it.
        var start = new ProcessStartInfo("/bin/sh") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])["-c", "exec 7</etc/passwd; exec \"$@\"", "sh", "ip", "netns", "exec", site.Net.Client.Name, Binaries.Client, "connect", site.Net.ServerAddress, Text(KnockSite.Service), "--profile-dir", Path.Combine(site.ClientDirectory, "alpha"), "-v"])
        {
            start.ArgumentList.Add(argument);
        }
        using var connect = Process.Start(start)!;
        var decoys = 0;
        try
        {
            var error = new List<string>();
            string? line;
            while ((line = connect.StandardError.ReadLine()) is not null && !line.Contains("connected to", StringComparison.Ordinal))
            {
                error.Add(line);
            }
            Assert.That(line, Is.Not.Null, string.Join('\n', error));
            decoys = int.Parse(DecoyProcess().Match(string.Join('\n', error)).Groups[1].Value, CultureInfo.InvariantCulture);

            var relay = UnprivilegedCopy(connect.Id);
            Assert.That(ThreadProblems(relay), Is.Empty, "the relaying copy");
            Assert.That(SocketsOf(connect.Id), Is.Empty, "the process as started kept no socket after handing the raw ones over");
            Assert.That(Command.Check("stat", "-c", "%u", $"/proc/{relay}/status").Trim(), Is.EqualTo("0"), "the relay with the raw sockets is not dumpable (its /proc files are root's)");
            Assert.That(ThreadProblems(decoys), Is.Empty, "the decoy sender");
            Assert.That(Opened(connect.Id), Does.Contain("/etc/passwd"), "the leak is there to be passed on");
            Assert.That(Opened(relay), Does.Not.Contain("/etc/passwd"), "the relaying copy");
            Assert.That(Opened(decoys), Does.Not.Contain("/etc/passwd"), "the decoy sender");
        }
        finally
        {
            connect.StandardInput.Close();
            Assert.That(connect.WaitForExit(TimeSpan.FromSeconds(10)), Is.True, "the end of input ends the relay");
            if (decoys != 0 && !WaitForExit(decoys, TimeSpan.FromSeconds(5)))
            {
                _ = Tmds.Linux.LibC.kill(decoys, Tmds.Linux.LibC.SIGKILL);
                Assert.Fail("the decoy sender did not end after its retransmissions");
            }
        }
        Assert.That(connect.ExitCode, Is.EqualTo(ExitCodes.Ok));
    }

    [Test]
    public void Connect_over_IPv6_knocks_and_connects_to_the_same_address()
    {
        using var site = new KnockSite(backend, protocol: 2);
        using var daemon = site.StartDaemon();
        var result = site.Net.Client.Run(Binaries.Client, ["connect", site.Net.ServerAddress6, Text(KnockSite.Service), "--profile-dir", Path.Combine(site.ClientDirectory, "alpha"), "--no-retransmit", "-v"], "over IPv6\n", TimeSpan.FromSeconds(30));
        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Ok), result.StdErr);
        Assert.That(result.StdOut, Is.EqualTo("over IPv6\n"));
        Assert.That(result.StdErr, Does.Contain($"({site.Net.ServerAddress6}) for port").And.Contain($"connected to {site.Net.ServerAddress6} port"));
    }

    /// <summary>connect's arguments for the site's server and echo port with the alpha profile, without decoys (they would outlive the test).</summary>
    internal static string[] Arguments(KnockSite site, params string[] extra)
        => ["connect", site.Net.ServerAddress, Text(KnockSite.Service), "--profile-dir", Path.Combine(site.ClientDirectory, "alpha"), "--no-retransmit", .. extra];

    /// <summary>The knocks a -v run reports: number and counter.</summary>
    internal static List<(int Number, ulong Counter)> Knocks(string stderr)
        => KnockLine().Matches(stderr).Select(m => (int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), ulong.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture))).ToList();

    /// <summary>What is wrong with the capabilities of any thread of <paramref name="pid"/> (empty: every set empty, no_new_privs).</summary>
    internal static List<string> ThreadProblems(int pid)
    {
        var problems = new List<string>();
        foreach (var task in Directory.GetDirectories($"/proc/{pid}/task"))
        {
            var status = File.ReadAllText(Path.Combine(task, "status"));
            foreach (var field in new[] { "CapInh", "CapPrm", "CapEff", "CapAmb" })
            {
                var value = Regex.Match(status, $@"{field}:\s+(\w+)").Groups[1].Value;
                if (value != "0000000000000000")
                {
                    problems.Add($"thread {Path.GetFileName(task)}: {field} {value}");
                }
            }
            if (Regex.Match(status, @"NoNewPrivs:\s+(\d)").Groups[1].Value != "1")
            {
                problems.Add($"thread {Path.GetFileName(task)}: no no_new_privs");
            }
        }
        return problems;
    }

    /// <summary>
    /// The unprivileged copy that <paramref name="pid"/> (a connect or socks as started) runs the
    /// command in: its only child whose command line starts with the hidden argument.
    /// </summary>
    internal static int UnprivilegedCopy(int pid)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var children = DaemonProcess.Children(pid)
                .Where(c => DaemonProcess.CommandLine(c) is [_, client::KnockKnock.Client.Connect.RawSockets.ChildArgument, ..])
                .ToList();
            if (children.Count == 1)
            {
                return children[0];
            }
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)), $"process {pid} has no unprivileged copy");
            Thread.Sleep(50);
        }
    }

    /// <summary>What each descriptor of <paramref name="pid"/> links to (/proc/PID/fd).</summary>
    private static List<string> Opened(int pid)
        => [.. Directory.EnumerateFiles($"/proc/{pid}/fd").Select(f => new FileInfo(f).LinkTarget ?? "")];

    /// <summary>The socket descriptors (/proc/PID/fd links to socket:[...]) of <paramref name="pid"/>.</summary>
    internal static List<string> SocketsOf(int pid)
        => [.. Directory.EnumerateFiles($"/proc/{pid}/fd").Select(f => new FileInfo(f).LinkTarget ?? "").Where(t => t.StartsWith("socket:", StringComparison.Ordinal))];

    private static int DroppedByRule(KnockSite site)
    {
        var listing = site.Net.Server.Exec("iptables", "-w", "-t", "raw", "-L", "PREROUTING", "-v", "-x", "-n");
        var line = listing.Split('\n').Single(l => l.Contains("statistic", StringComparison.Ordinal));
        return int.Parse(line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture);
    }

    private static bool WaitForExit(int pid, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (DaemonProcess.IsAlive(pid))
        {
            if (clock.Elapsed > timeout)
            {
                return false;
            }
            Thread.Sleep(100);
        }
        return true;
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"knockknock: knock (\d+) of \d+ sent to .* counter (\d+), source port \d+")]
    private static partial Regex KnockLine();

    [GeneratedRegex(@"\(counter (\d+)\)$")]
    private static partial Regex AcceptedCounter();

    [GeneratedRegex(@"decoy retransmissions from process (\d+)")]
    private static partial Regex DecoyProcess();
}
