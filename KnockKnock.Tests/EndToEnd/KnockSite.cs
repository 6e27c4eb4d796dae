using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using KnockKnock.Crypto.Counters;
using KnockKnock.Crypto.Profiles;
using KnockKnock.Crypto.Protocol;
using KnockKnock.Daemon.Firewall;
using KnockKnock.Daemon.Firewall.Iptables;
using KnockKnock.Daemon.Firewall.Nft;
using KnockKnock.Tests.Client;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.EndToEnd;

/// <summary>A client knock as it left: the fields printed by <c>-v</c> and when the client ran.</summary>
internal sealed record SentKnock(Knock Knock, ushort KnockPort, long Started, long Finished, CommandResult Result);

/// <summary>
/// One protected server and one client, for end-to-end tests: a <see cref="TestNetwork"/>; in the
/// server namespace a default-drop firewall of the chosen kind that LOGs (no rate limit) and drops
/// SYNs to the knock ports, and echo listeners on the service ports; a config directory with
/// <c>[main] delay</c> and the profiles; a state directory; the client's <c>cp -a</c> copies of the
/// profiles. Everything lives under one root-owned scratch directory of mode 0755 (the daemon,
/// dropped to nobody, must traverse to its own state directory; root accepts no other owner on the
/// way to its state and pidfile) and is removed on dispose.
/// </summary>
internal sealed class KnockSite : IDisposable
{
    public const int Service = 2222;
    public const string Prefix = "knockknock: ";

    private readonly List<IDisposable> _cleanup = [];
    private readonly Dictionary<string, ushort> _knockPorts = [];

    /// <param name="protocol">The profiles' knock protocol: 1 unless asked (the tests that predate v2 resend v1 fields with hping3).</param>
    public KnockSite(string backend, int delaySeconds = 3, (string Name, string Allow)[]? profiles = null, int[]? services = null, int protocol = 1, bool bindSource = false)
    {
        Root.Require();
        Firewall = FirewallBackends.Find(backend) ?? throw new ArgumentException("nft or iptables", nameof(backend));
        Backend = backend;
        DelaySeconds = delaySeconds;
        // LOG lines from namespaces other than the initial one reach the kernel log only with this.
        Command.Check("sysctl", "-q", "-w", "net.netfilter.nf_log_all_netns=1");
        try
        {
            Directory = System.IO.Directory.CreateTempSubdirectory("kk-e2e-").FullName;
            File.SetUnixFileMode(Directory, (UnixFileMode)0b111_101_101);
            ConfigDirectory = Path.Combine(Directory, "config");
            System.IO.Directory.CreateDirectory(Path.Combine(ConfigDirectory, "profiles"));
            // No knockknock user on a test machine: nobody, named explicitly (the daemon warns, and would refuse it silently picked).
            File.WriteAllText(Path.Combine(ConfigDirectory, "config"), $"[main]\ndelay = {delaySeconds}\nuser = nobody\n");
            StateDirectory = Path.Combine(Directory, "state");
            ClientDirectory = Path.Combine(Directory, "client");
            System.IO.Directory.CreateDirectory(ClientDirectory, (UnixFileMode)0b111_000_000);
            LogFile = Path.Combine(Directory, "kern.log");
            File.WriteAllText(LogFile, "");
            File.SetUnixFileMode(LogFile, (UnixFileMode)0b110_100_100);

            var next = Random.Shared.Next(20000, 30000);
            foreach (var (name, allow) in profiles ?? [("alpha", Service.ToString(CultureInfo.InvariantCulture))])
            {
                var knockPort = (ushort)next++;
                var directory = Path.Combine(ConfigDirectory, "profiles", name);
                Profile.Create(directory, knockPort, PortSet.Parse(allow), bindSource, protocol);
                Command.Check("cp", "-a", directory, Path.Combine(ClientDirectory, name));
                _knockPorts[name] = knockPort;
            }

            Net = new TestNetwork();
            _cleanup.Add(Net);
            LoadRuleset();
            foreach (var port in services ?? [Service])
            {
                _cleanup.Add(NamespaceSockets.ListenEcho(Net.Server, port));
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Backend { get; }

    public IFirewallBackend Firewall { get; }

    public int DelaySeconds { get; }

    public TestNetwork Net { get; } = null!;

    public string Directory { get; } = null!;

    public string ConfigDirectory { get; } = null!;

    public string StateDirectory { get; } = null!;

    public string ClientDirectory { get; } = null!;

    /// <summary>The pidfile every daemon of this site holds (in a root-only directory, as the daemon requires); status and flush find the daemon by it.</summary>
    public string PidFile => Path.Combine(Directory, "run", "knockknock-daemon.pid");

    /// <summary>
    /// The daemon's status file: STATE/daemon/status (the layout before this one kept it at STATE/status;
    /// the attack tests look there too, so that they show what the earlier code did).
    /// </summary>
    public string StatusFile => System.IO.Directory.Exists(Path.Combine(StateDirectory, "daemon")) || !File.Exists(Path.Combine(StateDirectory, "status"))
        ? Path.Combine(StateDirectory, "daemon", "status")
        : Path.Combine(StateDirectory, "status");

    /// <summary>The syslog file the daemon follows with <c>--log-source file:PATH</c>.</summary>
    public string LogFile { get; } = null!;

    public ushort KnockPort(string profile = "alpha") => _knockPorts[profile];

    /// <summary>Appends a line to the config's [main] section (e.g. <c>max_knock_age = 3</c>), for the daemons started after.</summary>
    public void AddConfig(string line) => File.AppendAllText(Path.Combine(ConfigDirectory, "config"), line + "\n");

    /// <summary>
    /// Starts the daemon in the server namespace and waits for its "started:" line; with
    /// <paramref name="journal"/>, reading that journald's journal (in its mount namespace); with
    /// <paramref name="launcher"/>, through that argv prefix (one that execs in place).
    /// </summary>
    public DaemonProcess StartDaemon(bool fileSource = false, JournaldHarness? journal = null, IReadOnlyList<string>? launcher = null)
    {
        string[] args = ["--foreground", "--config-dir", ConfigDirectory, "--state-dir", StateDirectory, "--pidfile", PidFile, "--firewall", Backend];
        var daemon = DaemonProcess.Start(
            Net.Server,
            fileSource ? [.. args, "--log-source", "file:" + LogFile] : journal is not null ? [.. args, "--log-source", "journal"] : args,
            launcher ?? journal?.Enter);
        _cleanup.Add(daemon);
        daemon.WaitUntilStarted();
        return daemon;
    }

    /// <summary>
    /// Runs the real client in the client namespace with -v (and --dry-run if asked) against the
    /// server's IPv4 address, or its IPv6 one; asserts exit 0. Without decoy retransmissions unless
    /// asked (they would outlive the test).
    /// </summary>
    public SentKnock ClientKnock(int port, string profile = "alpha", bool dryRun = false, bool ipv6 = false, bool retransmit = false)
    {
        string[] args = ["-p", port.ToString(CultureInfo.InvariantCulture), ipv6 ? Net.ServerAddress6 : Net.ServerAddress, "--profile-dir", Path.Combine(ClientDirectory, profile), "-v"];
        args = retransmit ? args : [.. args, "--no-retransmit"];
        var started = Stopwatch.GetTimestamp();
        var result = Net.Client.Run(Binaries.Client, dryRun ? [.. args, "--dry-run"] : args);
        var finished = Stopwatch.GetTimestamp();
        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Ok), result.ToString());
        return new SentKnock(Knock.Parse(result.StdOut), KnockPort(profile), started, finished, result);
    }

    /// <summary>
    /// Sends a SYN carrying <paramref name="fields"/> from source port <paramref name="sourcePort"/> to
    /// <paramref name="knockPort"/> with hping3, from the client namespace (or <paramref name="from"/>).
    /// </summary>
    public void Resend(KnockFields fields, ushort sourcePort, ushort knockPort, NetworkNamespace? from = null, string? to = null)
    {
        var result = (from ?? Net.Client).Run(
            "hping3", "-q", "-c", "1", "-S", "-p", Text(knockPort), "-s", Text(sourcePort), "-k",
            "-M", Text(fields.Sequence), "-L", Text(fields.Acknowledgment), "-w", Text(fields.Window), "-N", Text(fields.Id),
            to ?? Net.ServerAddress);
        Assert.That(result.StdErr, Does.Not.Contain("rror"), result.ToString());
    }

    /// <summary>Waits until the daemon's status file (written every 2 s) satisfies <paramref name="condition"/>; returns that status.</summary>
    public KnockKnock.Daemon.Host.DaemonStatus WaitForStatus(Func<KnockKnock.Daemon.Host.DaemonStatus, bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)((timeout ?? TimeSpan.FromSeconds(15)).TotalSeconds * Stopwatch.Frequency);
        var last = "(no status file)";
        while (true)
        {
            if (File.Exists(StatusFile))
            {
                last = File.ReadAllText(StatusFile);
                if (KnockKnock.Daemon.Host.DaemonStatus.TryParse(last, out var status) && condition(status))
                {
                    return status;
                }
            }
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new AssertionException($"the daemon's status never showed {what}; last:\n{last}");
            }
            Thread.Sleep(200);
        }
    }

    /// <summary>
    /// The status's rejections of lines for knock ports the daemon knows: the kernel log is one for
    /// all namespaces, so LOG lines of other sites running at the same time (other tests, other
    /// checkouts' suites) reach this daemon too, counted as UnknownKnockPort; they are left out.
    /// </summary>
    public static (long Count, string ByReason) OwnRejections(KnockKnock.Daemon.Host.DaemonStatus status)
    {
        var own = status.RejectedByReason == "none"
            ? []
            : status.RejectedByReason.Split(", ").Where(reason => !reason.StartsWith("UnknownKnockPort=", StringComparison.Ordinal)).ToList();
        return (own.Sum(reason => long.Parse(reason[(reason.IndexOf('=') + 1)..], CultureInfo.InvariantCulture)), own.Count == 0 ? "none" : string.Join(", ", own));
    }

    /// <summary>The firewall's current openings, IPv4 and IPv6: nft set elements, or ipset members.</summary>
    public IReadOnlyList<string> Openings()
    {
        if (Firewall == NftBackend.Instance)
        {
            return [.. new[] { "allowed", "allowed6" }.SelectMany(name =>
            {
                var set = Net.Server.Run("nft", "list", "set", "inet", "knockknock", name);
                var match = Regex.Match(set.StdOut, @"elements\s*=\s*\{([^}]*)\}");
                return set.ExitCode == 0 && match.Success
                    ? match.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                    : [];
            })];
        }
        return [.. IptablesFamily.Both.SelectMany(family =>
        {
            var set = Net.Server.Run("ipset", "list", family.Set);
            return set.ExitCode != 0 ? [] : set.StdOut.Split('\n').SkipWhile(l => l != "Members:").Skip(1).Where(l => l.Length > 0);
        })];
    }

    /// <summary>True when a connection from the client namespace to <paramref name="port"/> (of the server's IPv4 or IPv6 address) completes (it is closed at once).</summary>
    public bool CanConnect(int port = Service, TimeSpan? timeout = null, bool ipv6 = false)
        => NamespaceSockets.CanConnect(Net.Client, ipv6 ? Net.ServerAddress6 : Net.ServerAddress, port, timeout);

    public bool TryConnect(out Socket? connection, int port = Service, TimeSpan? timeout = null)
        => NamespaceSockets.TryConnect(Net.Client, Net.ServerAddress, port, out connection, timeout);

    /// <summary>Whether a kernel LOG line is one of this site's knocks (prefix, our server as DST, either family).</summary>
    public bool IsOurLogLine(string line)
        => line.StartsWith(Prefix, StringComparison.Ordinal)
            && (line.Contains($" DST={Net.ServerAddress} ", StringComparison.Ordinal) || line.Contains($" DST={KernelText(Net.ServerAddress6)} ", StringComparison.Ordinal));

    /// <summary>An IPv6 address as the kernel's LOG prints it (%pI6: eight groups of four lower-case hex digits).</summary>
    public static string KernelText(string ipv6)
    {
        var bytes = System.Net.IPAddress.Parse(ipv6).GetAddressBytes();
        return string.Join(':', Enumerable.Range(0, 8).Select(g => Convert.ToHexStringLower(bytes, 2 * g, 2)));
    }

    /// <summary>Waits for the kernel LOG line of a SYN from <paramref name="source"/>:<paramref name="sourcePort"/> to <paramref name="knockPort"/>.</summary>
    public static string WaitForLogLine(KernelLogTail kernelLog, string source, ushort sourcePort, ushort knockPort)
        => kernelLog.WaitFor(
               line => line.StartsWith(Prefix, StringComparison.Ordinal)
                   && line.Contains($" SRC={source} ", StringComparison.Ordinal)
                   && line.Contains($" SPT={sourcePort} DPT={knockPort} ", StringComparison.Ordinal),
               TimeSpan.FromSeconds(10))
           ?? throw new AssertionException($"no LOG line from {source}:{sourcePort} to knock port {knockPort} reached /dev/kmsg within 10 s");

    /// <summary>The knock fields of a LOG line.</summary>
    public static KnockFields LoggedFields(string line) => new(
        ushort.Parse(Field(line, "ID"), CultureInfo.InvariantCulture),
        uint.Parse(Field(line, "SEQ"), CultureInfo.InvariantCulture),
        uint.Parse(Field(line, "ACK"), CultureInfo.InvariantCulture),
        ushort.Parse(Field(line, "WINDOW"), CultureInfo.InvariantCulture));

    public static string Field(string line, string name)
    {
        var match = Regex.Match(line, $@"(?:^|\s){name}=(\S*)");
        return match.Success ? match.Groups[1].Value : throw new AssertionException($"no {name}= in: {line}");
    }

    public static double Milliseconds(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;

    public static void SleepUntil(long timestamp)
    {
        var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), timestamp);
        if (wait > TimeSpan.Zero)
        {
            Thread.Sleep(wait);
        }
    }

    private static string Text<T>(T value) where T : IFormattable => value.ToString(null, CultureInfo.InvariantCulture);

    private void LoadRuleset()
    {
        var ports = _knockPorts.Values.ToList();
        if (Firewall == NftBackend.Instance)
        {
            var file = Path.Combine(Directory, "ruleset.nft");
            File.WriteAllText(file, NftRuleset.Text(ports, Prefix));
            Net.Server.Exec("nft", "-f", file);
            return;
        }
        // The same shape for iptables and ip6tables: policy drop, loopback and established traffic
        // accepted (and IPv6 neighbour discovery), knock SYNs LOGged with their sequence number and
        // options (no rate limit) and dropped by the policy. The worker adds its KNOCKKNOCK chains.
        foreach (var tool in new[] { "iptables", "ip6tables" })
        {
            Net.Server.Exec(tool, "-w", "-P", "INPUT", "DROP");
            Net.Server.Exec(tool, "-w", "-A", "INPUT", "-i", "lo", "-j", "ACCEPT");
            Net.Server.Exec(tool, "-w", "-A", "INPUT", "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT");
            if (tool == "ip6tables")
            {
                foreach (var type in new[] { "neighbour-solicitation", "neighbour-advertisement" })
                {
                    Net.Server.Exec(tool, "-w", "-A", "INPUT", "-p", "ipv6-icmp", "--icmpv6-type", type, "-j", "ACCEPT");
                }
            }
            foreach (var port in ports)
            {
                Net.Server.Exec(tool, "-w", "-A", "INPUT", "-p", "tcp", "--dport", Text(port), "--tcp-flags", "FIN,SYN,RST,ACK", "SYN",
                    "-j", "LOG", "--log-prefix", Prefix, "--log-tcp-sequence", "--log-tcp-options");
            }
        }
    }

    public void Dispose()
    {
        // Every item is released even if an earlier one throws: namespaces must never leak.
        var errors = new List<Exception>();
        for (var i = _cleanup.Count - 1; i >= 0; i--)
        {
            try
            {
                _cleanup[i].Dispose();
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or TimeoutException)
            {
                errors.Add(e);
            }
        }
        _cleanup.Clear();
        if (Directory is not null && System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        if (errors.Count > 0)
        {
            throw new AggregateException("clean-up of the end-to-end site failed", errors);
        }
    }
}
