using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using KnockKnock.Crypto.Counters;
using KnockKnock.Crypto.Profiles;
using KnockKnock.Crypto.Protocol;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Client;

/// <summary>
/// The real client executable in a client namespace, knocking a server namespace whose firewall
/// LOGs (the daemon's input) and DROPs the knock port. Proves invariant 1 (exactly one packet, a
/// SYN conntrack accepts as NEW) and that the LOGged fields are the sealed ones.
/// </summary>
[TestFixture]
[Category("Root")]
[NonParallelizable]
public sealed partial class ClientEndToEndTests
{
    private TempDirectory _home = null!;

    [SetUp]
    public void SetUp()
    {
        Root.Require();
        // LOG lines from network namespaces other than the initial one reach the kernel log only with this.
        Command.Check("sysctl", "-q", "-w", "net.netfilter.nf_log_all_netns=1");
        _home = new TempDirectory();
    }

    [TearDown]
    public void TearDown() => _home?.Dispose();

    [Test]
    public void A_knock_is_exactly_one_SYN_whose_logged_fields_open_to_the_port()
    {
        using var net = new TestNetwork();
        var knockPort = RandomKnockPort();
        var profile = ClientProfile.Create(_home.Path, net.ServerAddress, knockPort);
        GuardServer(net.Server, knockPort);
        net.Client.Exec("iptables", "-A", "OUTPUT");

        using var kernelLog = new KernelLogTail();
        var result = net.Client.Run(ClientBinary.Path, "-p", "22", net.ServerAddress, "--profile-dir", profile, "-v");

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Ok), result.ToString());
        Assert.That(result.StdOut, Does.StartWith($"Knock sent to {net.ServerAddress}:{knockPort} for port 22\n"));
        var knock = Knock.Parse(result.StdOut);
        var logged = WaitForLogLine(kernelLog, net.ClientAddress, knockPort);
        AssertLogged(logged, knock, net.ClientAddress, net.ServerAddress, knockPort);

        using var loaded = Profile.Load(profile);
        using var cipher = loaded.CreateCipher();
        Assert.That(cipher.TryOpen(LoggedFields(logged), knock.Counter, 1, knockPort, default, out var counter, out var port), Is.True);
        Assert.That((counter, port), Is.EqualTo((knock.Counter, (ushort)22)));

        Assert.That(Packets(net.Client, "OUTPUT", 1), Is.EqualTo(1), "exactly one packet left the client namespace");
        Assert.That(Packets(net.Server, "INPUT", 1), Is.Zero, "conntrack saw no INVALID packet");
        Assert.That(Packets(net.Server, "INPUT", 2), Is.EqualTo(1), "one knock was LOGged");
    }

    [Test]
    public void Without_CAP_NET_RAW_the_client_exits_3_with_the_setcap_hint_and_uses_no_counter()
    {
        var profile = ProfileOwnedByNobody(7020);
        var before = ClientProfile.Snapshot(profile);

        var result = Command.Run("setpriv", AsNobody(ClientBinary.Path, "-p", "22", "127.0.0.1", "--profile-dir", profile));

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.NoPrivilege), result.ToString());
        Assert.That(result.StdErr, Does.StartWith("knockknock: ").And.Contain("sudo").And.Contain("setcap cap_net_raw+ep"));
        Assert.That(result.StdErr.TrimEnd('\n').Split('\n'), Has.Length.EqualTo(1));
        Assert.That(result.StdOut, Is.Empty);
        Assert.That(ClientProfile.Snapshot(profile), Is.EqualTo(before), "the counter did not move");
    }

    [Test]
    public void With_setcap_cap_net_raw_an_unprivileged_user_knocks()
    {
        var binary = SetcapInstall();
        using var net = new TestNetwork();
        var knockPort = RandomKnockPort();
        var profile = ProfileOwnedByNobody(knockPort, net.ServerAddress);
        GuardServer(net.Server, knockPort);
        using var kernelLog = new KernelLogTail();

        var result = net.Client.Run("setpriv", AsNobody(binary, "-p", "443", net.ServerAddress, "--profile-dir", profile, "-v"));

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Ok), result.ToString());
        var knock = Knock.Parse(result.StdOut);
        AssertLogged(WaitForLogLine(kernelLog, net.ClientAddress, knockPort), knock, net.ClientAddress, net.ServerAddress, knockPort);
    }

    /// <summary>
    /// The attack on a setcap install (review of 14af5fb, finding 1): the decoy sender a user's own
    /// knock leaves running holds the raw socket for a minute. It must be out of that user's reach:
    /// non-dumpable from its start (so no pidfd_getfd, no ptrace, no /proc/PID/fd), with no
    /// capability in any thread, and no_new_privs.
    /// </summary>
    [Test]
    public void A_local_user_cannot_take_the_raw_socket_or_a_capability_from_the_decoy_sender()
    {
        var binary = SetcapInstall();
        using var net = new TestNetwork();
        var profile = ProfileOwnedByNobody(RandomKnockPort(), net.ServerAddress, protocol: 2);

        var result = net.Client.Run("setpriv", AsNobody(binary, "-p", "443", net.ServerAddress, "--profile-dir", profile, "-v"));
        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Ok), result.ToString());
        var pid = int.Parse(DecoyPid().Match(result.StdOut).Groups[1].Value, CultureInfo.InvariantCulture);
        try
        {
            var steal = Command.Run("setpriv", AsNobody(DotnetHost, typeof(ChildProcess).Assembly.Location, "steal-descriptor", pid.ToString(CultureInfo.InvariantCulture)));
            Assert.That(steal.StdOut.Trim(), Is.EqualTo("EPERM"), $"pidfd_getfd on the decoy sender as its own user: {steal}");
            var listing = Command.Run("setpriv", AsNobody("ls", $"/proc/{pid}/fd"));
            Assert.That(listing.ExitCode, Is.Not.Zero, $"its descriptors are not listable by its user: {listing}");
            foreach (var task in Directory.GetDirectories($"/proc/{pid}/task"))
            {
                var status = File.ReadAllText(Path.Combine(task, "status"));
                foreach (var field in new[] { "CapPrm", "CapEff", "CapAmb" })
                {
                    Assert.That(Regex.Match(status, $@"{field}:\s+(\w+)").Groups[1].Value, Is.EqualTo("0000000000000000"), $"{field} of thread {task}");
                }
                Assert.That(Regex.Match(status, @"NoNewPrivs:\s+(\d)").Groups[1].Value, Is.EqualTo("1"), $"no_new_privs of thread {task}");
                // Its start-up gives way to what the user runs after the knock: nice 19 (field 19 of
                // stat) in every thread, set before the runtime started any (Native/copy.c).
                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                Assert.That(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[16], Is.EqualTo("19"), $"the nice value of thread {task}");
            }
            Assert.That(Command.Check("stat", "-c", "%u", $"/proc/{pid}/status").Trim(), Is.EqualTo("0"), "the kernel gives a non-dumpable process's /proc files to root");
        }
        finally
        {
            if (DaemonProcess.IsAlive(pid))
            {
                _ = Tmds.Linux.LibC.kill(pid, Tmds.Linux.LibC.SIGKILL);
            }
        }
    }

    /// <summary>
    /// The race in the attack above: the decoy sender's user watching /proc for it to appear. A copy
    /// that is dumpable for even the milliseconds before its own code makes it non-dumpable can be
    /// stopped and its socket pair taken, and with it the raw socket handed over a moment later.
    /// From a setcap install the copy must be root's in /proc (non-dumpable) from the exec on.
    /// </summary>
    [Test]
    public void A_local_user_watching_for_the_decoy_sender_never_finds_it_dumpable_while_it_starts()
    {
        var binary = SetcapInstall();
        using var net = new TestNetwork();
        var profile = ProfileOwnedByNobody(RandomKnockPort(), net.ServerAddress, protocol: 2);
        var owners = new Dictionary<int, long>();
        var stop = false;
        var watcher = new Thread(() =>
        {
            while (!Volatile.Read(ref stop))
            {
                foreach (var directory in Directory.EnumerateDirectories("/proc"))
                {
                    if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || owners.ContainsKey(pid))
                    {
                        continue;
                    }
                    try
                    {
                        if (File.ReadAllText(Path.Combine(directory, "cmdline")).Contains("--internal-retransmit", StringComparison.Ordinal))
                        {
                            // A directory /proc/PID keeps its user whatever; the files in it go to root while the process is non-dumpable.
                            owners[pid] = new Mono.Unix.UnixFileInfo(Path.Combine(directory, "status")).OwnerUserId;
                        }
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
                    {
                        // gone, or not readable: nothing to learn
                    }
                }
            }
        });
        watcher.Start();
        var decoys = new List<int>();
        try
        {
            for (var i = 0; i < 5; i++)
            {
                var result = net.Client.Run("setpriv", AsNobody(binary, "-p", "443", net.ServerAddress, "--profile-dir", profile, "-v"));
                Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Ok), result.ToString());
                decoys.Add(int.Parse(DecoyPid().Match(result.StdOut).Groups[1].Value, CultureInfo.InvariantCulture));
            }
            Thread.Sleep(200);
        }
        finally
        {
            Volatile.Write(ref stop, true);
            watcher.Join();
            foreach (var pid in decoys.Where(DaemonProcess.IsAlive))
            {
                _ = Tmds.Linux.LibC.kill(pid, Tmds.Linux.LibC.SIGKILL);
            }
        }
        Assert.That(owners.Keys, Is.SupersetOf(decoys), "the watcher saw every decoy sender");
        Assert.That(owners.Where(o => decoys.Contains(o.Key)).Select(o => o.Value), Is.All.EqualTo(0L), "first seen owned by its user: dumpable");
    }

    /// <summary>
    /// The same attack on <c>knockknock connect</c> (and so <c>socks</c>, which starts the same way)
    /// from a setcap install: the copy that connects and relays holds both raw sockets for as long as
    /// the connection lasts. The process its user started (which a file capability made
    /// non-dumpable) handed them over and holds no socket; the copy never had a capability in any
    /// thread, is non-dumpable, and its user can take nothing from it.
    /// </summary>
    [Test]
    public void A_local_user_cannot_take_the_raw_sockets_or_a_capability_from_the_connect_relay()
    {
        var binary = SetcapInstall();
        using var net = new TestNetwork();
        var profile = ProfileOwnedByNobody(RandomKnockPort(), net.ServerAddress, protocol: 2);

        // Nothing listens on 443: the copy keeps knocking and trying for 30 s.
        using var connect = net.Client.Start("setpriv", AsNobody(binary, "connect", net.ServerAddress, "443", "--profile-dir", profile, "--no-retransmit", "--knocks", "2", "--wait", "10000"));
        try
        {
            var copy = EndToEnd.ConnectTests.UnprivilegedCopy(connect.Id);
            // The copy exists from its exec on; the sockets reach it once its runtime has started.
            var clock = Stopwatch.StartNew();
            while ((EndToEnd.ConnectTests.SocketsOf(copy).Count < 2 || EndToEnd.ConnectTests.SocketsOf(connect.Id).Count > 0) && clock.Elapsed < TimeSpan.FromSeconds(10))
            {
                Thread.Sleep(50);
            }
            Assert.That(EndToEnd.ConnectTests.SocketsOf(copy).Count, Is.GreaterThanOrEqualTo(2), "the copy holds the raw sockets");
            Assert.That(EndToEnd.ConnectTests.SocketsOf(connect.Id), Is.Empty, "the started process handed its sockets over and kept none");
            foreach (var pid in new[] { copy, connect.Id })
            {
                var steal = Command.Run("setpriv", AsNobody(DotnetHost, typeof(ChildProcess).Assembly.Location, "steal-descriptor", pid.ToString(CultureInfo.InvariantCulture)));
                Assert.That(steal.StdOut.Trim(), Is.EqualTo("EPERM"), $"pidfd_getfd on process {pid} as its own user: {steal}");
                var listing = Command.Run("setpriv", AsNobody("ls", $"/proc/{pid}/fd"));
                Assert.That(listing.ExitCode, Is.Not.Zero, $"the descriptors of process {pid} are not listable by its user: {listing}");
            }
            Assert.That(EndToEnd.ConnectTests.ThreadProblems(copy), Is.Empty, "no thread of the copy holds a capability, every one has no_new_privs");
            Assert.That(Command.Check("stat", "-c", "%u", $"/proc/{copy}/status").Trim(), Is.EqualTo("0"), "the copy is non-dumpable");
        }
        finally
        {
            connect.Kill(entireProcessTree: true);
            connect.WaitForExit();
        }
    }

    /// <summary>
    /// The NativeAOT client copied as an installer would make it (the executable and the native
    /// libraries published beside it) into a directory only root can write, with cap_net_raw+ep.
    /// </summary>
    private string SetcapInstall()
    {
        var published = Path.GetDirectoryName(ClientBinary.NativeAot())!;
        var directory = Path.Combine(_home.Path, "bin");
        Directory.CreateDirectory(directory);
        foreach (var file in Directory.EnumerateFiles(published).Where(f => !f.EndsWith(".dbg", StringComparison.Ordinal) && !f.EndsWith(".pdb", StringComparison.Ordinal)))
        {
            var copy = Path.Combine(directory, Path.GetFileName(file));
            File.Copy(file, copy);
            File.SetUnixFileMode(copy, (UnixFileMode)0b111_101_101);
        }
        var binary = Path.Combine(directory, "knockknock");
        File.SetUnixFileMode(_home.Path, (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101);
        Command.Check("setcap", "cap_net_raw+ep", binary);
        return binary;
    }

    private static string DotnetHost => Environment.ProcessPath!.EndsWith("dotnet", StringComparison.Ordinal) ? Environment.ProcessPath : "dotnet";

    [GeneratedRegex(@"^Retransmissions: process (\d+) ", RegexOptions.Multiline)]
    private static partial Regex DecoyPid();

    [Test]
    public void With_no_route_to_the_host_the_client_exits_1_and_uses_no_counter()
    {
        using var net = new TestNetwork();
        var profile = ClientProfile.Create(_home.Path, "203.0.113.9", 7030);
        var before = ClientProfile.Snapshot(profile);

        var result = net.Client.Run(ClientBinary.Path, "-p", "22", "203.0.113.9", "--profile-dir", profile);

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Failure), result.ToString());
        Assert.That(result.StdErr, Does.StartWith("knockknock: cannot reach 203.0.113.9"));
        Assert.That(ClientProfile.Snapshot(profile), Is.EqualTo(before));
    }

    private static ushort RandomKnockPort() => (ushort)Random.Shared.Next(20000, 30000);

    /// <summary>Server INPUT: 1 counts INVALID, 2 LOGs like the daemon's firewall set-up, 3 DROPs.</summary>
    private static void GuardServer(NetworkNamespace server, ushort knockPort)
    {
        var port = knockPort.ToString(CultureInfo.InvariantCulture);
        server.Exec("iptables", "-A", "INPUT", "-p", "tcp", "--dport", port, "-m", "conntrack", "--ctstate", "INVALID");
        server.Exec("iptables", "-A", "INPUT", "-p", "tcp", "--dport", port, "-j", "LOG", "--log-prefix", "knockknock: ", "--log-tcp-sequence");
        server.Exec("iptables", "-A", "INPUT", "-p", "tcp", "--dport", port, "-j", "DROP");
    }

    private string ProfileOwnedByNobody(ushort knockPort, string name = "127.0.0.1", int protocol = 1)
    {
        // nobody must be able to reach the profile: the scratch directory is opened to others.
        File.SetUnixFileMode(_home.Path, (UnixFileMode)0b111_101_101);
        var profile = ClientProfile.Create(_home.Path, name, knockPort, protocol: protocol);
        Command.Check("chown", "-R", "nobody:nogroup", profile);
        return profile;
    }

    private static string[] AsNobody(string file, params string[] args)
        => ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--", file, .. args];

    private static string WaitForLogLine(KernelLogTail kernelLog, string source, ushort knockPort)
        => kernelLog.WaitFor(
               line => line.StartsWith("knockknock: ", StringComparison.Ordinal) && line.Contains($" SRC={source} ", StringComparison.Ordinal) && line.Contains($" DPT={knockPort} ", StringComparison.Ordinal),
               TimeSpan.FromSeconds(10))
           ?? throw new AssertionException("no LOG line for the knock reached /dev/kmsg within 10 s");

    private static void AssertLogged(string line, Knock knock, string source, string destination, ushort knockPort)
    {
        Assert.That(Field(line, "SRC"), Is.EqualTo(source));
        Assert.That(Field(line, "DST"), Is.EqualTo(destination));
        Assert.That(Field(line, "PROTO"), Is.EqualTo("TCP"));
        Assert.That(Field(line, "DPT"), Is.EqualTo(knockPort.ToString(CultureInfo.InvariantCulture)));
        Assert.That(Field(line, "SPT"), Is.EqualTo(knock.SourcePort.ToString(CultureInfo.InvariantCulture)));
        Assert.That(Field(line, "LEN"), Is.EqualTo("40"));
        Assert.That(Field(line, "TTL"), Is.EqualTo("64"));
        Assert.That(LoggedFields(line), Is.EqualTo(knock.Fields));
        Assert.That(line, Does.Contain(" DF ").And.Contain(" SYN URGP=0"));
        Assert.That(line, Does.Not.Contain(" ACK ").And.Not.Contain(" RST ").And.Not.Contain(" FIN "));
    }

    private static KnockFields LoggedFields(string line) => new(
        ushort.Parse(Field(line, "ID"), CultureInfo.InvariantCulture),
        uint.Parse(Field(line, "SEQ"), CultureInfo.InvariantCulture),
        uint.Parse(Field(line, "ACK"), CultureInfo.InvariantCulture),
        ushort.Parse(Field(line, "WINDOW"), CultureInfo.InvariantCulture));

    private static string Field(string line, string name)
    {
        var match = Regex.Match(line, $@"(?:^|\s){name}=(\S*)");
        return match.Success ? match.Groups[1].Value : throw new AssertionException($"no {name}= in: {line}");
    }

    /// <summary>The packet counter of rule <paramref name="rule"/> (1-based) in a chain of the filter table.</summary>
    private static long Packets(NetworkNamespace ns, string chain, int rule)
    {
        var listing = ns.Exec("iptables", "-L", chain, "-v", "-x", "-n", "--line-numbers");
        foreach (var row in listing.Split('\n'))
        {
            var columns = row.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (columns.Length > 1 && columns[0] == rule.ToString(CultureInfo.InvariantCulture))
            {
                return long.Parse(columns[1], CultureInfo.InvariantCulture);
            }
        }
        throw new AssertionException($"no rule {rule} in {chain}:\n{listing}");
    }
}
