using System.Collections.Concurrent;
using System.Diagnostics;
using KnockKnock.Crypto.Counters;
using KnockKnock.Crypto.Profiles;
using KnockKnock.Crypto.Protocol;
using KnockKnock.Tests.Support;
using Tmds.Linux;

namespace KnockKnock.Tests.Firewall;

/// <summary>
/// scripts/minimal-firewall.sh in a server namespace, for each backend, with the real daemon and
/// client: the set-up drops everything until a knock, for IPv4 and IPv6, logs knock SYNs of both
/// families with TCP sequence numbers and options, keeps IPv6 neighbour discovery working, a knock
/// opens exactly its port, nothing gets in once the daemon is gone, and --dry-run changes nothing.
/// </summary>
[TestFixture("nft")]
[TestFixture("iptables")]
[Category("Root")]
[NonParallelizable]
public sealed class MinimalFirewallTests(string backend)
{
    private const string Knocked = "2222";
    private const string Other = "2223";
    private const string KnockPort = "7000";
    private TempDirectory _dir = null!;
    private string _config = null!;

    [SetUp]
    public void SetUp()
    {
        Root.Require();
        // LOG lines from network namespaces other than the initial one reach the kernel log only with this.
        Command.Check("sysctl", "-q", "-w", "net.netfilter.nf_log_all_netns=1");
        _dir = new TempDirectory();
        // The daemon drops to nobody, who must traverse to its state directory.
        File.SetUnixFileMode(_dir.Path, (UnixFileMode)0b111_101_101);
        _config = _dir.Combine("config");
        Command.Check(Binaries.Daemon, "genprofile", "srv", KnockPort, "--config-dir", _config);
    }

    [TearDown]
    public void TearDown() => _dir?.Dispose();

    [Test]
    public void A_knock_opens_only_its_port_and_nothing_gets_in_without_the_daemon()
    {
        using var net = new TestNetwork();
        var applied = net.Server.Run(Script(), ScriptArgs());
        Assert.That(applied.ExitCode, Is.EqualTo(ExitCodes.Ok), applied.ToString());
        Assert.That(applied.StdErr, Does.Contain("established connections (your SSH session) and loopback stay allowed"));
        using var knockedListener = Listen(net.Server, Knocked);
        using var otherListener = Listen(net.Server, Other);
        Assert.That(Connects(net, Knocked), Is.False, "before any knock");
        Assert.That(Connects(net, Other), Is.False, "before any knock");
        Assert.That(net.Server.Run("nc", "-4", "-z", "-w", "1", "127.0.0.1", Knocked).ExitCode, Is.Zero, "loopback stays allowed");

        var client = _dir.Combine("client");
        Command.Check("cp", "-a", Path.Combine(_config, "profiles", "srv"), client);
        using (var daemon = new DaemonProcess(net.Server, backend, _config, _dir.Combine("state")))
        {
            var knock = net.Client.Run(Binaries.Client, "-p", Knocked, net.ServerAddress, "--profile-dir", client);
            Assert.That(knock.ExitCode, Is.EqualTo(ExitCodes.Ok), knock.ToString());
            Assert.That(daemon.WaitForLine($"accepted knock: profile srv, source {net.ClientAddress}, port {Knocked}", TimeSpan.FromSeconds(10)), Is.True, daemon.Log);
            Assert.That(Connects(net, Knocked), Is.True, daemon.Log);
            Assert.That(Connects(net, Other), Is.False, "a port nobody knocked for");
            Assert.That(Connects(net, Knocked), Is.False, "a second connection on the same knock");

            daemon.Stop();
        }

        var again = net.Client.Run(Binaries.Client, "-p", Knocked, net.ServerAddress, "--profile-dir", client);
        Assert.That(again.ExitCode, Is.EqualTo(ExitCodes.Ok), again.ToString());
        Thread.Sleep(300);
        Assert.That(Connects(net, Knocked), Is.False, "after the daemon stopped, even with a fresh knock");
        Assert.That(Connects(net, Other), Is.False, "after the daemon stopped");
    }

    [Test]
    public void Both_families_are_dropped_and_their_knocks_logged_with_TCP_options_and_IPv6_neighbour_discovery_works()
    {
        using var net = new TestNetwork();
        var applied = net.Server.Run(Script(), ScriptArgs());
        Assert.That(applied.ExitCode, Is.EqualTo(ExitCodes.Ok), applied.ToString());
        using var v4 = Listen(net.Server, Other);
        using var v6 = Listen(net.Server, Other, "-6");
        Assert.That(Connects(net, Other), Is.False, "IPv4 before any knock");
        Assert.That(net.Client.Run("nc", "-6", "-z", "-w", "1", net.ServerAddress6, Other).ExitCode, Is.Not.Zero, "IPv6 before any knock");
        Assert.That(net.Client.Run("ping", "-6", "-c", "1", "-W", "1", net.ServerAddress6).ExitCode, Is.Not.Zero, "ICMPv6 echo is dropped");

        // The server's own IPv6 connection out: neighbour discovery both ways, and its replies as established traffic.
        using (var clientListener = Listen(net.Client, "4000", "-6"))
        {
            Assert.That(net.Server.Run("nc", "-6", "-z", "-w", "2", net.ClientAddress6, "4000").ExitCode, Is.Zero, "outbound IPv6 under the default drop");
        }

        using var kernelLog = new KernelLogTail();
        foreach (var (address, family) in new[] { (net.ServerAddress, "-4"), (net.ServerAddress6, "-6") })
        {
            _ = net.Client.Run("nc", family, "-z", "-w", "1", address, KnockPort);
            var line = kernelLog.WaitFor(l => l.StartsWith("knockknock: ", StringComparison.Ordinal) && l.Contains($" DPT={KnockPort} ", StringComparison.Ordinal)
                && l.Contains(family == "-4" ? $" DST={net.ServerAddress} " : " DST=2001:0db8:", StringComparison.Ordinal), TimeSpan.FromSeconds(5));
            Assert.That(line, Is.Not.Null, $"a LOG line for the {family} knock SYN");
            Assert.That(line, Does.Contain(" SEQ=").And.Match(@" OPT \([0-9A-F]+\) ?$"), "TCP sequence numbers and options are logged");
        }
    }

    [Test]
    public void Dry_run_prints_exactly_the_rules_and_changes_nothing()
    {
        using var net = new TestNetwork();
        var before = Snapshot(net.Server);

        var dry = net.Server.Run(Script(), [.. ScriptArgs(), "--dry-run"]);

        Assert.That(dry.ExitCode, Is.EqualTo(ExitCodes.Ok), dry.ToString());
        Assert.That(Snapshot(net.Server), Is.EqualTo(before));
        // nft: the input of nft -f, whole; iptables: the command lines, without the comments.
        var rules = Command.Check(Binaries.Daemon, "rules", "--firewall", backend, "--config-dir", _config);
        var expected = backend == "nft" ? rules : string.Concat(rules.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('#')).Select(l => l + "\n"));
        Assert.That(dry.StdOut, Is.EqualTo(expected));
        Assert.That(dry.StdOut, Does.Contain("hashlimit").Or.Contain("knock_rate"));
        Assert.That(dry.StdErr, Does.Contain("established connections (your SSH session) and loopback stay allowed"));

        // Applied, then a dry run again: still nothing changes, and iptables shows what is in place.
        var applied = net.Server.Run(Script(), ScriptArgs());
        Assert.That(applied.ExitCode, Is.EqualTo(ExitCodes.Ok), applied.ToString());
        var after = Snapshot(net.Server);
        var second = net.Server.Run(Script(), [.. ScriptArgs(), "--dry-run"]);
        Assert.That(second.ExitCode, Is.EqualTo(ExitCodes.Ok), second.ToString());
        Assert.That(Snapshot(net.Server), Is.EqualTo(after));
        if (backend == "iptables")
        {
            Assert.That(second.StdOut, Does.Contain("# present, skipped: iptables -w -I INPUT 1 -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\n"));
        }
    }

    [Test]
    public void Applying_twice_gives_the_same_ruleset()
    {
        using var net = new TestNetwork();
        Assert.That(net.Server.Run(Script(), ScriptArgs()).ExitCode, Is.EqualTo(ExitCodes.Ok));
        var once = Snapshot(net.Server);
        var twice = net.Server.Run(Script(), ScriptArgs());
        Assert.That(twice.ExitCode, Is.EqualTo(ExitCodes.Ok), twice.ToString());
        Assert.That(Snapshot(net.Server), Is.EqualTo(once));
    }

    [Test]
    public void It_refuses_with_one_line_without_profiles_or_daemon()
    {
        using var empty = new TempDirectory();
        Directory.CreateDirectory(Path.Combine(empty.Path, "profiles"));
        var noProfiles = Command.Run(Script(), "--firewall", backend, "--config-dir", empty.Path, "--knockknock-daemon", Binaries.Daemon, "--dry-run");
        Assert.That((noProfiles.ExitCode, noProfiles.StdOut), Is.EqualTo((ExitCodes.Usage, "")));
        Assert.That(noProfiles.StdErr, Does.StartWith("minimal-firewall.sh: knockknock-daemon: no profiles in "));
        Assert.That(noProfiles.StdErr.TrimEnd('\n').Split('\n'), Has.Length.EqualTo(1));

        var noDaemon = Command.Run(Script(), "--firewall", backend, "--config-dir", _config, "--knockknock-daemon", empty.Combine("knockknock-daemon"), "--dry-run");
        Assert.That(noDaemon.ExitCode, Is.EqualTo(ExitCodes.Failure));
        Assert.That(noDaemon.StdErr, Does.StartWith("minimal-firewall.sh: knockknock-daemon not found at "));

        var notRoot = Command.Run("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--", Script(), "--dry-run");
        Assert.That(notRoot.ExitCode, Is.EqualTo(ExitCodes.NoPrivilege));
        Assert.That(notRoot.StdErr, Does.StartWith("minimal-firewall.sh: must run as root"));
    }

    private static string Script() => Repository.File("scripts", "minimal-firewall.sh");

    private string[] ScriptArgs() => ["--firewall", backend, "--config-dir", _config, "--knockknock-daemon", Binaries.Daemon];

    private static string Snapshot(NetworkNamespace ns)
        => ns.Exec("nft", "list", "ruleset") + "\n----\n" + string.Join('\n', (ns.Exec("iptables-save") + ns.Exec("ip6tables-save")).Split('\n').Where(l => !l.StartsWith('#')))
            + "\n----\n" + ns.Exec("ipset", "list", "-t");

    /// <summary>True when a TCP handshake from the client namespace completes within 1 s (a dropped SYN never does).</summary>
    private static bool Connects(TestNetwork net, string port) => net.Client.Run("nc", "-4", "-z", "-w", "1", net.ServerAddress, port).ExitCode == 0;

    private static ListeningProcess Listen(NetworkNamespace ns, string port, string family = "-4")
    {
        var listener = new ListeningProcess(ns.Start("nc", [family, "-d", "-k", "-l", port]));
        // Until the socket is bound a loopback probe is refused; a few tries cover the start-up.
        for (var i = 0; i < 50 && ns.Run("nc", family, "-z", "-w", "1", family == "-4" ? "127.0.0.1" : "::1", port).ExitCode != 0; i++)
        {
            Thread.Sleep(20);
        }
        return listener;
    }

    /// <summary>A process the test started (ip netns exec execs into it, so the PID is its own), killed by PID.</summary>
    private sealed class ListeningProcess(Process process) : IDisposable
    {
        public void Dispose()
        {
            if (!process.HasExited)
            {
                _ = LibC.kill(process.Id, LibC.SIGKILL);
                process.WaitForExit();
            }
            process.Dispose();
        }
    }

    /// <summary>knockknock-daemon --foreground in a namespace, its stderr collected; stopped with SIGTERM by PID.</summary>
    private sealed class DaemonProcess : IDisposable
    {
        private readonly Process _process;
        private readonly BlockingCollection<string> _lines = [];
        private readonly ConcurrentQueue<string> _log = new();

        public DaemonProcess(NetworkNamespace ns, string backend, string config, string state)
        {
            _process = ns.Start(Binaries.Daemon, ["--foreground", "--config-dir", config, "--state-dir", state, "--firewall", backend, "--log-source", "kmsg", "--user", "nobody"]);
            _process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    _log.Enqueue(e.Data);
                    _lines.Add(e.Data);
                }
            };
            _process.BeginErrorReadLine();
            if (!WaitForLine("knockknock-daemon: started: ", TimeSpan.FromSeconds(30)))
            {
                Dispose();
                throw new InvalidOperationException("the daemon did not start: " + Log);
            }
        }

        public string Log => string.Join('\n', _log);

        public bool WaitForLine(string start, TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < timeout)
            {
                if (_lines.TryTake(out var line, timeout - clock.Elapsed) && line.Contains(start, StringComparison.Ordinal))
                {
                    return true;
                }
            }
            return false;
        }

        public void Stop()
        {
            Assert.That(LibC.kill(_process.Id, LibC.SIGTERM), Is.Zero);
            // Its exit code is the daemon tests' business; here only that it is gone matters.
            Assert.That(_process.WaitForExit(TimeSpan.FromSeconds(10)), Is.True, "the daemon exits on SIGTERM");
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _ = LibC.kill(_process.Id, LibC.SIGTERM);
                if (!_process.WaitForExit(TimeSpan.FromSeconds(10)))
                {
                    _ = LibC.kill(_process.Id, LibC.SIGKILL);
                    _process.WaitForExit();
                }
            }
            _process.Dispose();
            _lines.Dispose();
        }
    }
}
