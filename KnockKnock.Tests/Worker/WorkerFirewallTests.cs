using System.Net.Sockets;
using System.Text;
using KnockKnock.Daemon.Firewall;
using KnockKnock.Daemon.Firewall.Iptables;
using KnockKnock.Daemon.Firewall.Nft;
using KnockKnock.Tests.Support;
using Tmds.Linux;

namespace KnockKnock.Tests.Worker;

/// <summary>
/// The real worker (the built knockknock-worker, started inside the server namespace)
/// against a default-drop firewall of each kind, for IPv4 and IPv6 sources, with real TCP
/// connections from the client namespace.
/// </summary>
/// <remarks>
/// One fixture per backend (below), each run for both families; tests that only make sense for one
/// backend live in that backend's fixture. The baseline is what an admin's own firewall has (policy
/// drop, loopback, established connections, ICMPv6 neighbour discovery; nft: its drop-policy chain
/// accepts the knock mark), without the worker's own part: the worker makes that itself.
/// </remarks>
[Category("Root")]
[NonParallelizable]
public abstract class WorkerFirewallTests(string backend, AddressFamily family)
{
    private protected const ushort Port = 2222;
    private protected readonly IFirewallBackend _firewall = FirewallBackends.Find(backend)!;
    private protected readonly List<IDisposable> _cleanup = [];
    private protected TestNetwork _net = null!;
    private protected HostAddress _client;
    private protected string _clientText = "";
    private protected string _server = "";

    private protected bool IPv6 => family == AddressFamily.InterNetworkV6;

    [SetUp]
    public void SetUp()
    {
        Root.Require();
        _net = new TestNetwork();
        _cleanup.Add(_net);
        (_clientText, _server) = IPv6 ? (_net.ClientAddress6, _net.ServerAddress6) : (_net.ClientAddress, _net.ServerAddress);
        _client = Addresses.Of(_clientText);
        LoadBaseline();
        Listen(Port);
    }

    [TearDown]
    public void TearDown()
    {
        for (var i = _cleanup.Count - 1; i >= 0; i--)
        {
            _cleanup[i].Dispose();
        }
        _cleanup.Clear();
    }

    [Test]
    public void One_knock_admits_one_connection_and_never_cuts_it()
    {
        Assert.That(Connects(), Is.False, "default drop before any knock");
        using var worker = StartWorker(3);
        Assert.That(worker.Open(_client, Port, out var error), Is.True, error);
        // Taken after the reply: the worker's deadline is no later, so the kernel ends it by opened + 3 + 1 s.
        var opened = DateTime.UtcNow;

        Assert.That(NamespaceSockets.TryConnect(_net.Client, _server, Port, out var first), Is.True, "the knocked connection");
        using (first)
        {
            Assert.That(Connects(), Is.False, "a second connection on the same knock");
            SleepUntil(opened.AddSeconds(4));
            Assert.That(Connects(), Is.False, "a new connection after the delay");
            // Established connections are never cut: the first one still works both ways.
            Assert.That(NamespaceSockets.Echoes(first!, "later\n"), Is.True);
        }
    }

    [Test]
    public void An_opening_admits_only_the_knocking_source_and_port()
    {
        var (peer, _, serverSide) = _net.AddPeer("pr", IPv6);
        Listen(Port + 1);
        using var worker = StartWorker(10);
        Assert.That(worker.Open(_client, Port, out var error), Is.True, error);
        Assert.That(NamespaceSockets.CanConnect(peer, serverSide, Port), Is.False, "another source");
        Assert.That(Connects(Port + 1), Is.False, "another port");
        Assert.That(Connects(), Is.True, "the knocked source and port");
    }

    [Test]
    public void An_opening_expires_in_the_kernel_even_when_the_worker_is_killed()
    {
        var worker = StartWorker(3);
        Assert.That(worker.Open(_client, Port, out var error), Is.True, error);
        // Taken after the reply: the worker's deadline is no later, so the kernel ends it by opened + 3 + 1 s.
        var opened = DateTime.UtcNow;
        Assert.That(ListOpenings(), Does.Contain(_clientText), "the opening exists");
        Kill(worker);
        Assert.That(() => worker.Open(_client, Port, out _), Throws.InstanceOf<IOException>());
        worker.Dispose();
        SleepUntil(opened.AddSeconds(4));
        Assert.That(Connects(), Is.False, "expired with no process left");
    }

    [Test]
    public void A_restarted_worker_keeps_live_openings_which_admit_one_connection_and_still_expire_on_time()
    {
        Listen(Port + 1);
        using var first = StartWorker(8);
        Assert.That(first.Open(_client, Port, out var error), Is.True, error);
        Assert.That(first.Open(_client, Port + 1, out error), Is.True, error);
        var opened = DateTime.UtcNow;
        Kill(first);
        first.Stop();

        var messages = new List<string>();
        using var second = StartWorker(8, messages, counters: first);
        Assert.That(second.Open(Addresses.Of(IPv6 ? "2001:db8:ffff::9" : "198.18.9.9"), 9, out error), Is.True, error); // a round trip: start-up is done
        Assert.That(HasOpening(Port) && HasOpening(Port + 1), Is.True, "both leftovers are kept: " + ListOpenings());
        Assert.That(Connects(), Is.True, "the kept opening admits a connection");
        Assert.That(Connects(), Is.False, "but only one");

        // The kernel ends the unused one by its old deadline.
        SleepUntil(opened.AddSeconds(9.5));
        Assert.That(Connects(Port + 1), Is.False, "expired on time after the restart");
        Assert.That(HasOpening(Port + 1), Is.False);
        Assert.That(messages, Is.Empty);
    }

    [Test]
    public void Detach_exits_0_and_keeps_the_openings()
    {
        var worker = StartWorker(60);
        Assert.That(worker.Open(_client, Port, out var error), Is.True, error);
        Assert.That(worker.Detach(), Is.Zero);
        Assert.That(worker.Exited.Wait(TimeSpan.FromSeconds(10)) && worker.Exited.Result == 0, Is.True);
        worker.Dispose();
        Assert.That(ListOpenings(), Does.Contain(_clientText), "the opening outlives the worker");
        Assert.That(Connects(), Is.True);
    }

    [Test]
    public void Malformed_requests_get_an_error_and_the_worker_keeps_serving()
    {
        using var worker = StartWorker(5);
        byte[][] malformed =
        [
            [], "open 1.2.3 2222 15"u8.ToArray(), "open 01.2.3.4 2222 15"u8.ToArray(), "open 256.1.1.1 2222 15"u8.ToArray(),
            "open 1.2.3.4 0 15"u8.ToArray(), "open 1.2.3.4 65536 15"u8.ToArray(), "open 1.2.3.4 2222 0"u8.ToArray(),
            "open 1.2.3.4 2222 86400"u8.ToArray(), "open 1.2.3.4 2222 15 "u8.ToArray(), "open 1.2.3.4 2222 15 x"u8.ToArray(),
            Encoding.UTF8.GetBytes("open 1.2.3.4 2222 １５"), [0, 0xff, 0x80], Encoding.ASCII.GetBytes(new string('a', 4000)),
            "flush ruleset"u8.ToArray(), "check now"u8.ToArray(),
        ];
        foreach (var message in malformed)
        {
            Assert.That(worker.Exchange(message), Does.StartWith("refused "), Encoding.ASCII.GetString(message));
        }
        Assert.That(worker.Exited.IsCompleted, Is.False);
        Assert.That(worker.Open(_client, Port, out var error), Is.True, error);
        Assert.That(Connects(), Is.True);
    }

    [Test]
    public void Flush_removes_every_opening()
    {
        using var worker = StartWorker(60);
        Assert.That(worker.Open(_client, Port, out var error), Is.True, error);
        worker.Flush();
        Assert.That(ListOpenings(), Does.Not.Contain(_clientText));
        Assert.That(Connects(), Is.False);
    }

    [Test]
    public void Closing_the_channel_removes_every_opening_and_the_worker_exits_0()
    {
        var worker = StartWorker(60);
        Assert.That(worker.Open(_client, Port, out var error), Is.True, error);
        worker.Dispose();
        Assert.That(worker.Exited.Wait(TimeSpan.FromSeconds(10)) && worker.Exited.Result == 0, Is.True);
        Assert.That(ListOpenings(), Does.Not.Contain(_clientText));
    }

    [TestCase(15, TestName = "{m}(SIGTERM)")]
    [TestCase(2, TestName = "{m}(SIGINT)")]
    [TestCase(1, TestName = "{m}(SIGHUP)")]
    public void Sigterm_sigint_or_sighup_removes_every_opening_and_the_worker_exits_0(int signal)
    {
        using var worker = StartWorker(60);
        Assert.That(worker.Open(_client, Port, out var error), Is.True, error);
        Assert.That(LibC.kill(worker.ProcessId, signal), Is.Zero);
        Assert.That(worker.Exited.Wait(TimeSpan.FromSeconds(10)), Is.True);
        Assert.That(worker.Exited.Result, Is.Zero);
        Assert.That(ListOpenings(), Does.Not.Contain(_clientText));
    }

    [Test]
    public void After_a_reload_that_removed_the_workers_part_the_next_opening_recreates_it_and_opens()
    {
        var messages = new List<string>();
        using var worker = StartWorker(10, messages);
        Assert.That(worker.Client.Check().LastRecreated, Is.Null, "nothing recreated after a clean start");
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        ReloadBaseline();
        Assert.That(Connects(), Is.False, "the reloaded baseline drops");

        Assert.That(worker.Open(_client, Port, out var error), Is.True, error);
        Assert.That(Connects(), Is.True, "the knock opens after the reload");
        Assert.That(Connects(), Is.False, "still one connection per knock");
        lock (messages)
        {
            Assert.That(messages.Where(m => m.Contains("recreated", StringComparison.Ordinal)).ToList(), Has.Count.EqualTo(1), string.Join('\n', messages));
        }
        Assert.That(worker.Client.Check().LastRecreated, Is.GreaterThanOrEqualTo(before).And.LessThanOrEqualTo(DateTimeOffset.UtcNow));
    }

    [Test]
    public void The_periodic_check_recreates_what_a_reload_removed_within_ten_seconds()
    {
        var messages = new List<string>();
        using var worker = StartWorker(10, messages);
        Assert.That(worker.Open(Addresses.Of(IPv6 ? "2001:db8:ffff::9" : "198.18.9.9"), 9, out var error), Is.True, error); // start-up is done
        ReloadBaseline();
        var reloaded = DateTime.UtcNow;
        while (worker.Client.Check().LastRecreated is null && DateTime.UtcNow < reloaded.AddSeconds(12))
        {
            Thread.Sleep(200);
        }
        Assert.That(worker.Client.Check().LastRecreated, Is.Not.Null, "recreated without any opening, within 10 s (and a margin)");
        Assert.That(WorkersPartExists(), Is.True);
        // Nothing is open by the recreation itself.
        Assert.That(Connects(), Is.False);
        lock (messages)
        {
            Assert.That(messages.Count(m => m.Contains("recreated", StringComparison.Ordinal)), Is.EqualTo(1), string.Join('\n', messages));
        }
    }

    [Test]
    public void The_tools_the_worker_runs_inherit_none_of_its_descriptors()
    {
        using var worker = StartWorker(5);
        Assert.That(worker.Open(_client, Port, out var error), Is.True, error); // the firewall library's sockets are open now
        const int closeOnExec = 0x80000; // O_CLOEXEC, as fdinfo prints flags in octal
        var open = Directory.GetFiles($"/proc/{worker.ProcessId}/fdinfo")
            .Select(f => (Fd: int.Parse(Path.GetFileName(f), System.Globalization.CultureInfo.InvariantCulture), Info: File.ReadAllText(f)))
            .Where(d => d.Fd > 2)
            .Select(d => (d.Fd, Flags: Convert.ToInt32(d.Info.Split('\n').Single(l => l.StartsWith("flags:", StringComparison.Ordinal)).Split('\t', ' ')[^1], 8)))
            .ToList();
        Assert.That(open, Has.Count.GreaterThan(2), "the request socket, the counters and the firewall library's own");
        Assert.That(open.Where(d => (d.Flags & closeOnExec) == 0).Select(d => d.Fd), Is.Empty, "descriptors a tool would inherit");
    }

    [Test]
    public void A_worker_started_with_SIGCHLD_ignored_restores_it_and_its_firewall_tools_report_their_exit()
    {
        // Started directly, not by a daemon (which would hand it the default already).
        using var worker = TestWorker.Start(_firewall, _net.Server, 5, launcherPrefix: IgnoredChildSignal.Launcher);
        Assert.That(worker.Open(_client, Port, out var error), Is.True, error);
        Assert.That(Connects(), Is.True);
        // Only now: the answer above came from the worker itself, past the launchers' execs.
        Assert.That(IgnoredChildSignal.IsIgnored(worker.ProcessId), Is.False);
    }

    private protected TestWorker StartWorker(int delay, List<string>? messages = null, TestWorker? counters = null, string? executable = null)
        => TestWorker.Start(_firewall, _net.Server, delay, messages, counters: counters, executable: executable);

    private protected bool Connects(int port = Port) => NamespaceSockets.CanConnect(_net.Client, _server, port);

    private protected void Listen(int port)
        => _cleanup.Add(NamespaceSockets.ListenEcho(_net.Server, port, IPv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork));

    private protected static void Kill(TestWorker worker)
    {
        using (var process = System.Diagnostics.Process.GetProcessById(worker.ProcessId))
        {
            process.Kill();
        }
        Assert.That(worker.Exited.Wait(TimeSpan.FromSeconds(10)), Is.True, "the client notices the worker's death");
    }

    /// <summary>
    /// The admin's own baseline for both families. nft: a table of the admin's with a drop-policy
    /// chain that accepts the knock mark, not the daemon's table. iptables: the INPUT policy and rules.
    /// </summary>
    private protected void LoadBaseline()
    {
        if (_firewall == NftBackend.Instance)
        {
            var file = Path.GetTempFileName();
            try
            {
                File.WriteAllText(file, $$"""
                    table inet filter {
                        chain input {
                            type filter hook input priority filter; policy drop;
                            iif "lo" accept
                            ct state established,related accept
                            icmpv6 type { {{NftRuleset.Icmpv6Types}} } accept
                            ct mark {{ConntrackMark.Text}} accept
                        }
                    }

                    """);
                _net.Server.Exec("nft", "-f", file);
            }
            finally
            {
                File.Delete(file);
            }
            return;
        }
        foreach (var (tool, ipv6) in new[] { ("ip6tables", true), ("iptables", false) })
        {
            _net.Server.Exec(tool, "-w", "-P", "INPUT", "DROP");
            _net.Server.Exec(tool, "-w", "-A", "INPUT", "-i", "lo", "-j", "ACCEPT");
            _net.Server.Exec(tool, "-w", "-A", "INPUT", "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT");
            if (ipv6)
            {
                foreach (var type in IptablesRuleset.Icmpv6Types)
                {
                    _net.Server.Exec(tool, "-w", "-A", "INPUT", "-p", "ipv6-icmp", "--icmpv6-type", type, "-j", "ACCEPT");
                }
            }
        }
    }

    /// <summary>What a reload does: everything goes (nft flush ruleset; iptables and ip6tables flush and delete every chain), then the admin's baseline comes back.</summary>
    private protected void ReloadBaseline()
    {
        if (_firewall == NftBackend.Instance)
        {
            _net.Server.Exec("nft", "flush", "ruleset");
        }
        else
        {
            foreach (var tool in new[] { "iptables", "ip6tables" })
            {
                _net.Server.Exec(tool, "-w", "-F");
                _net.Server.Exec(tool, "-w", "-X");
            }
        }
        Assert.That(WorkersPartExists(), Is.False, "the reload removed the worker's part");
        LoadBaseline();
    }

    /// <summary>The worker's chain exists (nft: in its table, with the sets its rules name; iptables: in both families).</summary>
    private protected bool WorkersPartExists() => _firewall == NftBackend.Instance
        ? _net.Server.Run("nft", "list", "chain", "inet", "knockknock", NftSet.Chain).ExitCode == 0
        : _net.Server.Run("iptables", "-w", "-S", IptablesCommands.Chain).ExitCode == 0 && _net.Server.Run("ip6tables", "-w", "-S", IptablesCommands.Chain).ExitCode == 0;

    /// <summary>The openings of the family, as the firewall lists them (nft set elements, ipset members).</summary>
    private protected string ListOpenings() => _firewall == NftBackend.Instance
        ? _net.Server.Exec("nft", "list", "set", "inet", "knockknock", IPv6 ? "allowed6" : "allowed")
        : _net.Server.Exec("ipset", "list", IPv6 ? "knockknock6" : "knockknock");

    private protected bool HasOpening(int port)
        => ListOpenings().Contains(_firewall == NftBackend.Instance ? $"{_clientText} . {port}" : $"{_clientText},tcp:{port}", StringComparison.Ordinal);

    private protected static void SleepUntil(DateTime utc)
    {
        var wait = utc - DateTime.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            Thread.Sleep(wait);
        }
    }
}

[TestFixture(AddressFamily.InterNetwork)]
[TestFixture(AddressFamily.InterNetworkV6)]
public sealed class NftWorkerFirewallTests(AddressFamily family) : WorkerFirewallTests("nft", family)
{
    /// <summary>
    /// After a burst the worker frees its libnftables context (and the cache that holds the burst's
    /// elements) at the first 10 s check that ends a whole interval without requests, so at most 20 s
    /// after the last, and with it its reference to libnftables: ld.so unmaps the library and the
    /// five it needs (1.4 MB of an idle worker). The checks after that read the nf_tables generation
    /// only, which has not moved, and neither make a context nor load the library again (they used to
    /// list the chain, making one at once); the next knock loads it, makes a new context, with a
    /// netlink socket of its own, and opens as before.
    /// </summary>
    [Test]
    public void After_the_idle_release_libnftables_is_unmapped_no_check_loads_it_and_a_knock_still_opens()
    {
        using var worker = StartWorker(5);
        Assert.That(worker.Open(Addresses.Of(IPv6 ? "2001:db8:ffff::9" : "198.18.9.9"), 9, out var error), Is.True, error);
        var knocked = DateTime.UtcNow;
        var context = Sockets(worker.ProcessId);
        Assert.That(NftLibraries(worker.ProcessId), Is.EquivalentTo(s_nftLibraries), "loaded for the knock");
        SleepUntil(knocked.AddSeconds(14)); // after the first check (10 s), before the release (20 s)
        var checkedOnce = Sockets(worker.ProcessId);
        SleepUntil(knocked.AddSeconds(32)); // after the release and one more check (30 s)
        var idle = Sockets(worker.ProcessId);
        Assert.That(context.Except(idle).Count(), Is.EqualTo(1), "the context's netlink socket is closed (the channel to the daemon stays)");
        Assert.That(idle.Except(checkedOnce), Is.Empty, "no socket opened since the release: no check made a context again");
        Assert.That(NftLibraries(worker.ProcessId), Is.Empty, "libnftables and the libraries it needs are unmapped");
        Assert.That(worker.Open(_client, Port, out error), Is.True, error);
        var after = Sockets(worker.ProcessId);
        Assert.That(after.Except(idle).Count(), Is.EqualTo(1), "the new context has its own");
        Assert.That(NftLibraries(worker.ProcessId), Is.EquivalentTo(s_nftLibraries), "loaded again");
        Assert.That(Connects(), Is.True, "opened through the new context");
    }

    /// <summary>
    /// libnftables is loaded by its soname, which ld.so looks up in its cache and the system's
    /// directories: a libnftables.so.1 planted beside the worker's executable is never the one root
    /// loads, though the worker loads the library again after every idle release. (The planted one
    /// has no nft functions, so loading it would also fail the start; its constructor leaves a mark.)
    /// </summary>
    [Test]
    public void A_libnftables_planted_beside_the_worker_is_never_loaded()
    {
        using var beside = new TempDirectory();
        var mark = beside.Combine("planted-library-ran");
        var source = beside.Combine("planted.c");
        File.WriteAllText(source, $"#include <fcntl.h>\n__attribute__((constructor)) static void planted(void) {{ open(\"{mark}\", O_CREAT | O_WRONLY, 0600); }}\n");
        Command.Check("clang-14", "-shared", "-fPIC", "-Wl,-soname,libnftables.so.1", "-o", beside.Combine("libnftables.so.1"), source);
        var executable = beside.Combine("knockknock-worker");
        File.Copy(File.ResolveLinkTarget(Binaries.Worker, returnFinalTarget: true)?.FullName ?? Binaries.Worker, executable);

        using var worker = StartWorker(5, executable: executable);
        Assert.That(worker.Open(_client, Port, out var error), Is.True, error);
        var loaded = File.ReadLines($"/proc/{worker.ProcessId}/maps").Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Last())
            .Where(path => Path.GetFileName(path).StartsWith("libnftables.so", StringComparison.Ordinal)).Distinct().ToList();
        Assert.That(loaded, Has.Count.EqualTo(1).And.None.StartsWith(beside.Path), "the system's libnftables");
        Assert.That(File.Exists(mark), Is.False, "the planted library never ran");
        Assert.That(Connects(), Is.True);
    }

    /// <summary>libnftables and the libraries it needs on Debian 12 (and nothing else of the worker's needs them).</summary>
    private static readonly string[] s_nftLibraries = ["libnftables.so", "libnftnl.so", "libmnl.so", "libxtables.so", "libjansson.so", "libgmp.so"];

    /// <summary>Which of <see cref="s_nftLibraries"/> <paramref name="pid"/> has mapped.</summary>
    private static HashSet<string> NftLibraries(int pid)
        => [.. File.ReadLines($"/proc/{pid}/maps")
            .Select(line => Path.GetFileName(line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Last()))
            .SelectMany(file => s_nftLibraries.Where(library => file.StartsWith(library, StringComparison.Ordinal)))];

    /// <summary>The sockets <paramref name="pid"/> holds (their inodes, as /proc names them).</summary>
    private static HashSet<string> Sockets(int pid)
        => [.. Directory.GetFiles($"/proc/{pid}/fd").Select(fd => new FileInfo(fd).LinkTarget ?? "").Where(target => target.StartsWith("socket:", StringComparison.Ordinal))];

    [Test]
    public void An_nft_start_creates_the_table_sets_and_chain_without_opening_anything()
    {
        Assert.That(WorkersPartExists(), Is.False);
        using var worker = StartWorker(5);
        Assert.That(worker.Client.Check().LastRecreated, Is.Null, "a start is no recreation");
        Assert.That(WorkersPartExists(), Is.True);
        var chain = _net.Server.Exec("nft", "list", "chain", "inet", "knockknock", NftSet.Chain);
        Assert.That(chain, Does.Contain("policy accept;").And.Not.Contain(" accept\n").And.Not.Contain("drop"), "it marks and nothing else");
        Assert.That(Connects(), Is.False, "the worker's table opens nothing by itself");
    }

    [Test]
    public void Recreating_after_a_reload_does_not_weaken_an_admin_policy_that_does_not_accept_the_mark()
    {
        using var worker = StartWorker(10);
        _net.Server.Exec("nft", "flush", "ruleset");
        var file = Path.GetTempFileName();
        try
        {
            // The admin's new policy no longer accepts knocked connections.
            File.WriteAllText(file, $$"""
                table inet filter {
                    chain input {
                        type filter hook input priority filter; policy drop;
                        ct state established,related accept
                        icmpv6 type { {{NftRuleset.Icmpv6Types}} } accept
                    }
                }

                """);
            _net.Server.Exec("nft", "-f", file);
        }
        finally
        {
            File.Delete(file);
        }
        Assert.That(worker.Open(_client, Port, out var error), Is.True, error);
        Assert.That(WorkersPartExists(), Is.True, "recreated");
        Assert.That(Connects(), Is.False, "the admin's drop still decides");
    }
}

[TestFixture(AddressFamily.InterNetwork)]
[TestFixture(AddressFamily.InterNetworkV6)]
public sealed class IptablesWorkerFirewallTests(AddressFamily family) : WorkerFirewallTests("iptables", family)
{
    [Test]
    public void An_iptables_start_puts_back_its_chain_and_jump_and_reports_the_rules_it_removed()
    {
        var tool = IPv6 ? IptablesFamily.IPv6 : IptablesFamily.IPv4;
        _net.Server.Exec(tool.Tool, "-w", "-N", IptablesCommands.Chain);
        _net.Server.Exec(tool.Tool, "-w", "-A", IptablesCommands.Chain, "-j", "RETURN");
        var messages = new List<string>();
        using var worker = StartWorker(5, messages);
        Assert.That(worker.Open(_client, Port, out var error), Is.True, error);
        var save = _net.Server.Exec(tool.SaveTool, "-t", "filter");
        var state = IptablesChainState.Read(save, tool);
        Assert.That(state.Intact, Is.True, save);
        Assert.That(state.ForeignRules, Is.Empty);
        lock (messages)
        {
            Assert.That(messages, Has.Count.EqualTo(1).And.Some.Contains("iptables: set up").And.Some.Contains("-A KNOCKKNOCK -j RETURN"));
        }
        Assert.That(Connects(), Is.True);
    }

    [Test]
    public void The_check_counts_knock_ports_without_a_LOG_rule()
    {
        using var worker = StartWorker(5);
        Assert.That(worker.Client.Check().Unlogged, Is.EqualTo(2), "port 7001, IPv4 and IPv6: the baseline logs nothing");
    }
}
