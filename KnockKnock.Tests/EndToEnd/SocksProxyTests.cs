using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.EndToEnd;

/// <summary>
/// <c>knockknock socks</c> for real in the client namespace, against the real daemon: curl reaches
/// an HTTP server behind the knock by name (<c>--socks5-hostname</c>, the name resolved by the
/// proxy, the profile named like it); a host without a profile is refused with the RFC's X'02'
/// unless <c>--direct</c>; a port the profile does not allow is refused without a knock; malformed
/// greetings and requests get the RFC's error replies and the proxy serves on; concurrent
/// connections each knock with their own counter; the proxy holds no capability.
/// </summary>
[TestFixture("iptables")]
[TestFixture("nft")]
[Category("Root")]
[NonParallelizable]
public sealed partial class SocksProxyTests(string backend)
{
    [Test]
    public void Curl_reaches_a_web_server_behind_the_knock_by_a_name_the_proxy_resolves()
    {
        Packaging.ToolRequirement.Require("curl");
        using var site = new KnockSite(backend, protocol: 2, services: []);
        using var daemon = site.StartDaemon();
        using var web = ServeHttp(site.Net.Server, KnockSite.Service, "behind the knock\n");
        // ip netns exec mounts /etc/netns/NAME/hosts over /etc/hosts for what it runs: the
        // proxy, started by it, resolves the name with getaddrinfo as any program would.
        var hostsDirectory = Path.Combine("/etc/netns", site.Net.Client.Name);
        Directory.CreateDirectory(hostsDirectory);
        try
        {
            File.WriteAllText(Path.Combine(hostsDirectory, "hosts"), $"127.0.0.1 localhost\n{site.Net.ServerAddress} knock-server.test\n");
            using var socks = SocksProxy.Start(site.Net.Client, "127.0.0.1", "--profiles", ProfileRoot(site, "knock-server.test"), "--no-retransmit", "-v");

            var result = site.Net.Client.Run("curl", ["-sS", "--max-time", "30", "--socks5-hostname", $"127.0.0.1:{socks.Port}", $"http://knock-server.test:{KnockSite.Service}/"], "", TimeSpan.FromSeconds(60));

            Assert.That(result.ExitCode, Is.Zero, result + "\nproxy:\n" + socks.Log);
            Assert.That(result.StdOut, Is.EqualTo("behind the knock\n"));
            Assert.That(socks.Log, Does.Contain($"knock 1 of 3 sent to knock-server.test:{site.KnockPort()} ({site.Net.ServerAddress})"));
            Assert.That(daemon.Lines("accepted knock:"), Has.Count.EqualTo(1), daemon.Output);
        }
        finally
        {
            Directory.Delete(hostsDirectory, recursive: true);
        }
    }

    [Test]
    public void A_host_without_a_profile_is_refused_with_reply_02_unless_direct()
    {
        const int Open = 8080;
        using var site = new KnockSite(backend, protocol: 2, services: [Open]);
        AcceptInServer(site, Open);
        var profiles = ProfileRoot(site, "some-other-host");

        using (var refusing = SocksProxy.Start(site.Net.Client, "127.0.0.1", "--profiles", profiles, "--no-retransmit"))
        {
            using var client = Connect(site, refusing);
            Assert.That(Exchange(client, [5, 1, 0], 2), Is.EqualTo(new byte[] { 5, 0 }));
            Assert.That(Exchange(client, Request(site.Net.ServerAddress, Open), 10), Is.EqualTo(new byte[] { 5, 2, 0, 1, 0, 0, 0, 0, 0, 0 }), "X'02': connection not allowed by ruleset");
            Assert.That(() => refusing.Log, Does.Contain($"no profile {Path.Combine(profiles, site.Net.ServerAddress)} (--direct connects hosts without a profile directly)").After(2000, 50));
        }

        using var direct = SocksProxy.Start(site.Net.Client, "127.0.0.1", "--profiles", profiles, "--no-retransmit", "--direct");
        using var connection = Connect(site, direct);
        Assert.That(Exchange(connection, [5, 1, 0], 2), Is.EqualTo(new byte[] { 5, 0 }));
        var reply = Exchange(connection, Request(site.Net.ServerAddress, Open), 10);
        Assert.That(reply[..4], Is.EqualTo(new byte[] { 5, 0, 0, 1 }), "succeeded, bound to an IPv4 address");
        Assert.That(new IPAddress(reply.AsSpan(4, 4)).ToString(), Is.EqualTo(site.Net.ClientAddress), "BND.ADDR: the proxy's end of the connection");
        Assert.That(NamespaceSockets.Echoes(connection, "direct\n"), Is.True);
    }

    [Test]
    public void A_port_the_profile_does_not_allow_is_refused_without_a_knock()
    {
        using var site = new KnockSite(backend, protocol: 2);
        using var daemon = site.StartDaemon();
        using var socks = SocksProxy.Start(site.Net.Client, "127.0.0.1", "--profiles", ProfileRoot(site, site.Net.ServerAddress), "--no-retransmit");
        using var client = Connect(site, socks);
        Assert.That(Exchange(client, [5, 1, 0], 2), Is.EqualTo(new byte[] { 5, 0 }));
        Assert.That(Exchange(client, Request(site.Net.ServerAddress, 2223), 10)[1], Is.EqualTo(2), "X'02'");
        Thread.Sleep(1000);
        Assert.That(daemon.Lines("accepted knock:"), Is.Empty, "no knock was sent: " + daemon.Output);
        Assert.That(socks.Log, Does.Contain($"allows ports {KnockSite.Service}, not 2223"));
    }

    [Test]
    public void Malformed_greetings_and_requests_get_the_RFC_replies_and_the_proxy_serves_on()
    {
        using var site = new KnockSite(backend, protocol: 2);
        using var socks = SocksProxy.Start(site.Net.Client, "127.0.0.1", "--profiles", ProfileRoot(site, "nothing-here"), "--no-retransmit");
        byte[] noMethod = [5, 0xFF];
        (byte[] Greeting, byte[] Reply)[] greetings =
        [
            ([4, 1, 0, 22, 198, 18, 0, 1, 0], noMethod),          // SOCKS4
            ([5, 0], noMethod),                                    // no methods
            ([5, 1, 2], noMethod),                                 // username/password only
            ("GET / HTTP/1.1\r\n\r\n"u8.ToArray(), noMethod),      // not SOCKS at all
        ];
        foreach (var (greeting, expected) in greetings)
        {
            using var client = Connect(site, socks);
            Assert.That(Exchange(client, greeting, 2), Is.EqualTo(expected), Convert.ToHexString(greeting));
            Assert.That(Closed(client), Is.True, "closed after the refusal");
        }
        (byte[] Request, byte Reply)[] requests =
        [
            ([4, 1, 0, 1, 198, 18, 0, 1, 0, 22], 1),               // another version
            ([5, 2, 0, 1, 198, 18, 0, 1, 0, 22], 7),               // BIND
            ([5, 3, 0, 1, 198, 18, 0, 1, 0, 22], 7),               // UDP ASSOCIATE
            ([5, 1, 1, 1, 198, 18, 0, 1, 0, 22], 1),               // reserved byte set
            ([5, 1, 0, 9, 198, 18, 0, 1, 0, 22], 8),               // address type 9
            ([5, 1, 0, 3, 0, 0, 22], 1),                           // empty name
            ([5, 1, 0, 3, 5, .. "../.."u8, 0, 22], 1),             // a path for a name
            ([5, 1, 0, 1, 198, 18, 0, 1, 0, 0], 1),                // port 0
            ([5, 1, 0, 1, 127, 0, 0, 1, 0, 22], 2),                // loopback: not a host to knock or relay to
            ([5, 1, 0, 1, 224, 0, 0, 1, 0, 22], 2),                // multicast
        ];
        foreach (var (request, expected) in requests)
        {
            using var client = Connect(site, socks);
            Assert.That(Exchange(client, [5, 1, 0], 2), Is.EqualTo(new byte[] { 5, 0 }));
            var reply = Exchange(client, request, 10);
            Assert.That(reply, Is.EqualTo(new byte[] { 5, expected, 0, 1, 0, 0, 0, 0, 0, 0 }), Convert.ToHexString(request));
            Assert.That(Closed(client), Is.True, "closed after the refusal");
        }
        // Half a request, then the client goes: no reply is owed, nothing breaks.
        using (var client = Connect(site, socks))
        {
            Assert.That(Exchange(client, [5, 1, 0], 2), Is.EqualTo(new byte[] { 5, 0 }));
            client.Send([5, 1, 0, 3, 200, (byte)'a']);
        }
        // Random bytes in 200 connections.
        var random = new Random(1928);
        for (var i = 0; i < 200; i++)
        {
            using var client = Connect(site, socks);
            var bytes = new byte[random.Next(1, 300)];
            random.NextBytes(bytes);
            client.Send(bytes);
        }
        Assert.That(socks.HasExited, Is.False, "the proxy is still running: " + socks.Log);
        using var last = Connect(site, socks);
        Assert.That(Exchange(last, [5, 1, 0], 2), Is.EqualTo(new byte[] { 5, 0 }));
        Assert.That(Exchange(last, Request(site.Net.ServerAddress, KnockSite.Service), 10)[1], Is.EqualTo(2), "a well-formed request is still answered");
    }

    [Test]
    public void Concurrent_connections_each_knock_with_their_own_counter_and_get_in()
    {
        const int Clients = 10;
        using var site = new KnockSite(backend, delaySeconds: 10, protocol: 2);
        using var daemon = site.StartDaemon();
        using var socks = SocksProxy.Start(site.Net.Client, "127.0.0.1", "--profiles", ProfileRoot(site, site.Net.ServerAddress), "--no-retransmit", "-v");

        var clients = Enumerable.Range(0, Clients).Select(_ => Connect(site, socks)).ToList();
        try
        {
            foreach (var client in clients)
            {
                client.Send([5, 1, 0, .. Request(site.Net.ServerAddress, KnockSite.Service)]);
            }
            for (var i = 0; i < Clients; i++)
            {
                Assert.That(Receive(clients[i], 2 + 10, TimeSpan.FromSeconds(30))[..4], Is.EqualTo(new byte[] { 5, 0, 5, 0 }), "accepted, then succeeded: " + socks.Log);
                Assert.That(NamespaceSockets.Echoes(clients[i], $"client {i}\n"), Is.True);
            }
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
        var counters = KnockCounter().Matches(socks.Log).Select(m => ulong.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
        Assert.That(counters, Is.Unique);
        Assert.That(counters, Has.Count.GreaterThanOrEqualTo(Clients));
        var clock = Stopwatch.StartNew();
        while (daemon.Lines("accepted knock:").Count < counters.Count && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            Thread.Sleep(100);
        }
        // A knock of the burst can be lost to the kernel log's rate limit; the retry made it good.
        var accepted = daemon.Lines("accepted knock:").Select(l => ulong.Parse(AcceptedCounter().Match(l.Text).Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
        Assert.That(accepted, Is.Unique.And.SubsetOf(counters), daemon.Output);
        Assert.That(accepted, Has.Count.GreaterThanOrEqualTo(Clients), daemon.Output);
    }

    /// <summary>
    /// The proxy outlives the decoy senders its knocks start, and reaps each one (review of 276345f:
    /// started through posix_spawn, they stayed zombies until the proxy ended).
    /// </summary>
    [Test]
    public void The_proxy_reaps_the_decoy_senders_of_its_knocks()
    {
        using var site = new KnockSite(backend, protocol: 2);
        using var daemon = site.StartDaemon();
        // One retransmission, at +1 s (the decoy sender reads its namespace's setting): it is done in about a second.
        site.Net.Client.Exec("sysctl", "-q", "-w", "net.ipv4.tcp_syn_retries=1");
        using var socks = SocksProxy.Start(site.Net.Client, "127.0.0.1", "--profiles", ProfileRoot(site, site.Net.ServerAddress), "-v");
        using (var client = Connect(site, socks))
        {
            client.Send([5, 1, 0, .. Request(site.Net.ServerAddress, KnockSite.Service)]);
            Assert.That(Receive(client, 2 + 10, TimeSpan.FromSeconds(30))[..4], Is.EqualTo(new byte[] { 5, 0, 5, 0 }), socks.Log);
        }
        Assert.That(socks.WaitForLine("decoy retransmissions from process", TimeSpan.FromSeconds(10)), Does.Contain("decoy retransmissions from process"), socks.Log);
        var proxy = ConnectTests.UnprivilegedCopy(socks.ProcessId);

        var clock = Stopwatch.StartNew();
        while (DaemonProcess.Children(proxy).Count > 0 && clock.Elapsed < TimeSpan.FromSeconds(15))
        {
            Thread.Sleep(100);
        }
        Assert.That(DaemonProcess.Children(proxy).Select(child => $"{child}: {File.ReadAllText($"/proc/{child}/stat")}"), Is.Empty, "the decoy senders, reaped");
    }

    [Test]
    public void The_proxy_holds_no_capability_in_any_thread()
    {
        using var site = new KnockSite(backend, protocol: 2);
        using var socks = SocksProxy.Start(site.Net.Client, "127.0.0.1", "--profiles", ProfileRoot(site, site.Net.ServerAddress), "--no-retransmit");
        var proxy = ConnectTests.UnprivilegedCopy(socks.ProcessId);
        Assert.That(ConnectTests.ThreadProblems(proxy), Is.Empty, "the proxying copy");
        Assert.That(ConnectTests.SocketsOf(proxy), Is.Not.Empty, "the copy holds the listening socket");
        Assert.That(ConnectTests.SocketsOf(socks.ProcessId), Is.Empty, "the process as started holds no socket");
    }

    /// <summary>A directory of profiles for the proxy: the site's alpha profile, named <paramref name="host"/>.</summary>
    internal static string ProfileRoot(KnockSite site, string host)
    {
        var root = Path.Combine(site.Directory, "socks-profiles");
        Directory.CreateDirectory(root, (UnixFileMode)0b111_000_000);
        Command.Check("cp", "-a", Path.Combine(site.ClientDirectory, "alpha"), Path.Combine(root, host));
        return root;
    }

    /// <summary>A CONNECT request for an IPv4 address and port.</summary>
    private static byte[] Request(string address, int port)
        => [5, 1, 0, 1, .. IPAddress.Parse(address).GetAddressBytes(), (byte)(port >> 8), (byte)(port & 0xFF)];

    private static Socket Connect(KnockSite site, SocksProxy socks)
    {
        Assert.That(NamespaceSockets.TryConnect(site.Net.Client, "127.0.0.1", socks.Port, out var socket, TimeSpan.FromSeconds(5)), Is.True, socks.Log);
        return socket!;
    }

    private static byte[] Exchange(Socket socket, byte[] message, int replyLength)
    {
        socket.Send(message);
        return Receive(socket, replyLength, TimeSpan.FromSeconds(10));
    }

    private static byte[] Receive(Socket socket, int length, TimeSpan timeout)
    {
        socket.ReceiveTimeout = (int)timeout.TotalMilliseconds;
        var buffer = new byte[length];
        var read = 0;
        while (read < length)
        {
            var n = socket.Receive(buffer, read, length - read, SocketFlags.None);
            if (n == 0)
            {
                break;
            }
            read += n;
        }
        return buffer[..read];
    }

    /// <summary>True when the proxy closed the connection (end of stream within 5 s).</summary>
    private static bool Closed(Socket socket)
    {
        socket.ReceiveTimeout = 5000;
        try
        {
            return socket.Receive(new byte[1]) == 0;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            return true;
        }
    }

    /// <summary>An HTTP/1.0 server in <paramref name="ns"/> that answers every request with <paramref name="body"/>; dispose to stop it.</summary>
    private static Socket ServeHttp(NetworkNamespace ns, int port, string body)
    {
        var listener = NamespaceSockets.SocketIn(ns);
        listener.Bind(new IPEndPoint(IPAddress.IPv6Any, port));
        listener.Listen(16);
        _ = Task.Run(async () =>
        {
            while (true)
            {
                Socket connection;
                try
                {
                    connection = await listener.AcceptAsync().ConfigureAwait(false);
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    return;
                }
                using (connection)
                {
                    var request = new List<byte>();
                    var buffer = new byte[1024];
                    while (!System.Text.Encoding.ASCII.GetString([.. request]).Contains("\r\n\r\n", StringComparison.Ordinal))
                    {
                        var n = await connection.ReceiveAsync(buffer).ConfigureAwait(false);
                        if (n == 0)
                        {
                            break;
                        }
                        request.AddRange(buffer.AsSpan(0, n).ToArray());
                    }
                    var bytes = System.Text.Encoding.ASCII.GetBytes(body);
                    await connection.SendAsync(System.Text.Encoding.ASCII.GetBytes($"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {bytes.Length}\r\n\r\n{body}")).ConfigureAwait(false);
                }
            }
        });
        return listener;
    }

    /// <summary>Opens <paramref name="port"/> in the site's server firewall for anyone, on either backend.</summary>
    internal static void AcceptInServer(KnockSite site, int port)
    {
        if (site.Backend == "iptables")
        {
            site.Net.Server.Exec("iptables", "-w", "-I", "INPUT", "-p", "tcp", "--dport", Text(port), "-j", "ACCEPT");
            return;
        }
        // The server namespace holds the site's table only ("table inet NAME"), which is its input filter.
        var table = site.Net.Server.Exec("nft", "list", "tables").Split('\n', StringSplitOptions.RemoveEmptyEntries).Single().Split(' ');
        site.Net.Server.Exec("nft", "insert", "rule", table[1], table[2], "input", "tcp", "dport", Text(port), "accept");
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"\(counter (\d+)\)$")]
    private static partial Regex AcceptedCounter();

    [GeneratedRegex(@"knock \d+ of \d+ sent to .* counter (\d+),")]
    private static partial Regex KnockCounter();
}
