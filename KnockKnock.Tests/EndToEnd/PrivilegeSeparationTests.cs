using System.Globalization;
using System.Text.RegularExpressions;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.EndToEnd;

/// <summary>
/// Invariants 2 and 5 on the running daemon, read from /proc and ss: after start-up every thread
/// of the log-reading process runs as non-root with no capabilities and no_new_privs; the worker
/// is the only root process of the two; neither has a listening socket (in the server namespace
/// or the host) nor a packet socket. Unix listening sockets are checked in their own test.
/// </summary>
[TestFixture("nft")]
[TestFixture("iptables")]
[Category("Root")]
[NonParallelizable]
public sealed partial class PrivilegeSeparationTests(string backend)
{
    /// <summary>
    /// Attack: whoever starts the daemon as root leaves a descriptor open (a shell's <c>exec 7&lt;</c>,
    /// a service manager's): the daemon, once it runs as its user, could read root's file through
    /// it. knockknock-daemon marks every descriptor above 2 close-on-exec before it execs its
    /// long-running image, so none arrives there.
    /// </summary>
    [Test]
    public void A_descriptor_root_left_open_does_not_reach_the_unprivileged_daemon()
    {
        Root.Require();
        using var site = new KnockSite(backend);
        using var daemon = site.StartDaemon(launcher: ["/bin/sh", "-c", "exec 7</etc/shadow; exec \"$@\"", "sh"]);
        var targets = Directory.GetFiles($"/proc/{daemon.ProcessId}/fd").Select(fd => new FileInfo(fd).LinkTarget).ToList();
        Assert.That(targets, Does.Not.Contain("/etc/shadow"), string.Join(", ", targets));
        Assert.That(File.Exists($"/proc/{daemon.ProcessId}/fd/7") && new FileInfo($"/proc/{daemon.ProcessId}/fd/7").LinkTarget == "/etc/shadow", Is.False);
    }

    [Test]
    public void After_start_up_the_log_reader_is_unprivileged_the_worker_alone_is_root_and_no_network_socket_listens_or_captures()
    {
        Root.Require();
        using var site = new KnockSite(backend);
        using var daemon = site.StartDaemon();
        // One knock first: whatever the daemon opens to handle knocks exists by now.
        site.ClientKnock(KnockSite.Service);
        Assert.That(daemon.WaitForLine("accepted knock:", TimeSpan.FromSeconds(10)), Is.Not.Null, daemon.Output);
        var pid = daemon.ProcessId;
        var worker = daemon.WorkerProcessId;

        var threads = Directory.GetDirectories($"/proc/{pid}/task");
        Assert.That(threads, Is.Not.Empty);
        foreach (var thread in threads)
        {
            var status = File.ReadAllText(Path.Combine(thread, "status"));
            var where = $"daemon thread {Path.GetFileName(thread)}";
            Assert.That(Ids(status, "Uid"), Has.None.EqualTo(0), $"{where}: real, effective, saved and fs uid");
            Assert.That(Ids(status, "Gid"), Has.None.EqualTo(0), $"{where}: gids");
            Assert.That(Ids(status, "Groups"), Has.None.EqualTo(0), $"{where}: supplementary groups");
            Assert.That(Value(status, "CapEff"), Is.EqualTo("0000000000000000"), $"{where}: effective capabilities");
            Assert.That(Value(status, "CapPrm"), Is.EqualTo("0000000000000000"), $"{where}: permitted capabilities");
            Assert.That(Value(status, "CapAmb"), Is.EqualTo("0000000000000000"), $"{where}: ambient capabilities");
            Assert.That(Value(status, "NoNewPrivs"), Is.EqualTo("1"), $"{where}: no_new_privs");
        }

        // Non-dumpable since the uid change: its /proc files belong to root, so processes of the
        // same user can neither ptrace it nor read its memory (and so its keys).
        Assert.That(Command.Check("stat", "-c", "%u", $"/proc/{pid}/mem").Trim(), Is.EqualTo("0"), "the daemon is not dumpable");

        var workerStatus = File.ReadAllText($"/proc/{worker}/status");
        Assert.That(Ids(workerStatus, "Uid")[1], Is.Zero, "the worker keeps root");
        Assert.That(DaemonProcess.Children(pid), Is.EqualTo(new[] { worker }), "the worker is the daemon's only child process");

        // No listening network socket (TCP, UDP, raw, packet), in the server namespace or the host.
        AssertNotListening(site, daemon, ["-lnpt", "-lnpu", "-lnpw", "-lnp0"]);

        // No packet socket: none of their socket inodes is in /proc/net/packet (their namespace's and the host's).
        var packetInodes = PacketInodes($"/proc/{pid}/net/packet").Concat(PacketInodes("/proc/net/packet")).ToHashSet();
        foreach (var process in new[] { pid, worker })
        {
            var sockets = SocketInodes(process);
            Assert.That(sockets.Intersect(packetInodes), Is.Empty, $"pid {process} holds a packet socket");
        }
    }

    [Test]
    public void The_root_worker_gets_a_fixed_environment_and_nothing_of_the_one_the_daemon_was_started_with()
    {
        Root.Require();
        using var site = new KnockSite(backend);
        // What root's shell might hold: a runtime setting (the environment wins over the budget
        // built into the worker's image), a library's variable, anything.
        using var daemon = site.StartDaemon(launcher: ["/usr/bin/env", "DOTNET_GCgen0size=1000", "LD_LIBRARY_PATH=/nonexistent", "KNOCKKNOCK_PLANTED=1"]);

        var environment = File.ReadAllText($"/proc/{daemon.WorkerProcessId}/environ").Split('\0', StringSplitOptions.RemoveEmptyEntries);

        Assert.That(environment, Is.EquivalentTo(new[] { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", "DOTNET_EnableDiagnostics=0" }));
        Assert.That(File.ReadAllText($"/proc/{daemon.ProcessId}/environ"), Does.Contain("KNOCKKNOCK_PLANTED=1"), "the daemon itself did get it");
    }

    [Test]
    public void Neither_the_daemon_nor_the_worker_listens_on_any_socket_not_even_a_Unix_one()
    {
        Root.Require();
        using var site = new KnockSite(backend);
        using var daemon = site.StartDaemon();
        AssertNotListening(site, daemon, ["-lnpx", "-lnpt", "-lnpu", "-lnpw", "-lnp0"]);
    }

    private static void AssertNotListening(KnockSite site, DaemonProcess daemon, string[] families)
    {
        string[] owners = [$"pid={daemon.ProcessId},", $"pid={daemon.WorkerProcessId},"];
        foreach (var family in families)
        {
            var inNamespace = site.Net.Server.Run("ss", family).StdOut;
            var onHost = Command.Run("ss", family).StdOut;
            foreach (var owner in owners)
            {
                Assert.That(inNamespace, Does.Not.Contain(owner), $"ss {family} in the server namespace:\n{inNamespace}");
                Assert.That(onHost, Does.Not.Contain(owner), $"ss {family} on the host:\n{onHost}");
            }
        }
    }

    private static string Value(string status, string key)
        => Regex.Match(status, $@"^{key}:[ \t]*(.*)$", RegexOptions.Multiline) is { Success: true } m ? m.Groups[1].Value.Trim() : throw new AssertionException($"no {key}: in status");

    private static int[] Ids(string status, string key)
        => Value(status, key).Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries).Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();

    /// <summary>Inodes of /proc/net/packet (the last column).</summary>
    private static IEnumerable<string> PacketInodes(string path)
        => File.ReadAllLines(path).Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(c => c.Length > 0).Select(c => c[^1]);

    /// <summary>Inodes of the process's sockets, from its fd links ("socket:[INODE]").</summary>
    private static HashSet<string> SocketInodes(int pid)
    {
        var inodes = new HashSet<string>();
        foreach (var fd in Directory.GetFiles($"/proc/{pid}/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget is { } target && SocketLink().Match(target) is { Success: true } m)
                {
                    inodes.Add(m.Groups[1].Value);
                }
            }
            catch (IOException)
            {
                // closed meanwhile
            }
        }
        return inodes;
    }

    [GeneratedRegex(@"^socket:\[(\d+)\]$")]
    private static partial Regex SocketLink();
}
