using System.Net;
using System.Net.Sockets;
using System.Text;
using KnockKnock.Daemon.Firewall;
using KnockKnock.Daemon.Firewall.Iptables;
using KnockKnock.Daemon.Firewall.Nft;
using KnockKnock.Daemon.Worker;
using KnockKnock.Tests.Support;
using Tmds.Linux;

namespace KnockKnock.Tests.Worker;

/// <summary>
/// The real worker (the built daemon in its hidden mode, started inside the server namespace)
/// against a default-drop firewall of each kind, with real TCP connections from the client namespace.
/// </summary>
/// <remarks>One fixture per backend (below); tests that only make sense for one backend live in that backend's fixture.</remarks>
[Category("Root")]
[NonParallelizable]
public abstract class WorkerFirewallTests(string backend)
{
    private protected const ushort Port = 2222;
    private protected readonly IFirewallBackend _firewall = FirewallBackends.Find(backend)!;
    private protected readonly List<IDisposable> _cleanup = [];
    private protected TestNetwork _net = null!;
    private protected HostAddress _client;

    [SetUp]
    public void SetUp()
    {
        Root.Require();
        _net = new TestNetwork();
        _cleanup.Add(_net);
        _client = Parse(_net.ClientAddress);
        LoadDefaultDropRuleset();
        _cleanup.Add(NamespaceSockets.ListenEcho(_net.Server, Port));
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
        Assert.That(NamespaceSockets.TryConnect(_net.Client, _net.ServerAddress, Port, out _), Is.False, "default drop before any knock");
        using var worker = StartWorker(3);
        Assert.That(worker.Open(_client, Port, out var error), Is.True, error);
        // Taken after the reply: the worker's deadline is no later, so the kernel ends it by opened + 3 + 1 s.
        var opened = DateTime.UtcNow;

        Assert.That(NamespaceSockets.TryConnect(_net.Client, _net.ServerAddress, Port, out var first), Is.True, "the knocked connection");
        using (first)
        {
            Assert.That(NamespaceSockets.TryConnect(_net.Client, _net.ServerAddress, Port, out _), Is.False, "a second connection on the same knock");
            SleepUntil(opened.AddSeconds(4));
            Assert.That(NamespaceSockets.TryConnect(_net.Client, _net.ServerAddress, Port, out _), Is.False, "a new connection after the delay");
            // Established connections are never cut: the first one still works both ways.
            first!.Send("later\n"u8);
            var buffer = new byte[6];
            first.ReceiveTimeout = 3000;
            Assert.That(first.Receive(buffer), Is.EqualTo(6));
            Assert.That(Encoding.ASCII.GetString(buffer), Is.EqualTo("later\n"));
        }
    }

    [Test]
    public void An_opening_admits_only_the_knocking_source_and_port()
    {
        var (peer, _, serverSide) = _net.AddPeer("pr");
        _cleanup.Add(NamespaceSockets.ListenEcho(_net.Server, Port + 1));
        using var worker = StartWorker(10);
        Assert.That(worker.Open(_client, Port, out var error), Is.True, error);
        Assert.That(NamespaceSockets.TryConnect(peer, serverSide, Port, out _), Is.False, "another source");
        Assert.That(NamespaceSockets.TryConnect(_net.Client, _net.ServerAddress, Port + 1, out _), Is.False, "another port");
        Assert.That(NamespaceSockets.TryConnect(_net.Client, _net.ServerAddress, Port, out var s), Is.True, "the knocked source and port");
        s?.Dispose();
    }

    [Test]
    public void An_opening_expires_in_the_kernel_even_when_the_worker_is_killed()
    {
        var worker = StartWorker(3);
        Assert.That(worker.Open(_client, Port, out var error), Is.True, error);
        // Taken after the reply: the worker's deadline is no later, so the kernel ends it by opened + 3 + 1 s.
        var opened = DateTime.UtcNow;
        Assert.That(ListOpenings(), Does.Contain(_net.ClientAddress), "the opening exists");
        using (var process = System.Diagnostics.Process.GetProcessById(worker.ProcessId))
        {
            process.Kill();
        }
        Assert.That(worker.Exited.Wait(TimeSpan.FromSeconds(10)), Is.True, "the client notices the worker's death");
        Assert.That(() => worker.Open(_client, Port, out _), Throws.InstanceOf<IOException>());
        worker.Dispose();
        SleepUntil(opened.AddSeconds(4));
        Assert.That(NamespaceSockets.TryConnect(_net.Client, _net.ServerAddress, Port, out _), Is.False, "expired with no process left");
    }

    [Test]
    public void A_restarted_worker_keeps_live_openings_which_admit_one_connection_and_still_expire_on_time()
    {
        _cleanup.Add(NamespaceSockets.ListenEcho(_net.Server, Port + 1));
        using var first = StartWorker(8);
        Assert.That(first.Open(_client, Port, out var error), Is.True, error);
        Assert.That(first.Open(_client, Port + 1, out error), Is.True, error);
        var opened = DateTime.UtcNow;
        using (var process = System.Diagnostics.Process.GetProcessById(first.ProcessId))
        {
            process.Kill();
        }
        Assert.That(first.Exited.Wait(TimeSpan.FromSeconds(10)), Is.True);
        first.Stop();

        var messages = new List<string>();
        using var second = StartWorker(8, messages, counters: first);
        Assert.That(second.Open(Addresses.Of("198.18.9.9"), 9, out error), Is.True, error); // a round trip: start-up is done
        Assert.That(ListOpenings(), Does.Contain($"{_net.ClientAddress}").And.Contain($"{Port + 1}"), "both leftovers are kept");
        Assert.That(NamespaceSockets.TryConnect(_net.Client, _net.ServerAddress, Port, out var connection), Is.True, "the kept opening admits a connection");
        connection?.Dispose();
        Assert.That(NamespaceSockets.TryConnect(_net.Client, _net.ServerAddress, Port, out _), Is.False, "but only one");

        // The kernel ends the unused one by its old deadline; for iptables the re-armed timer also deletes the rule.
        SleepUntil(opened.AddSeconds(9.5));
        Assert.That(NamespaceSockets.TryConnect(_net.Client, _net.ServerAddress, Port + 1, out _), Is.False, "expired on time after the restart");
        Assert.That(ListOpenings(), Does.Not.Contain($"{_net.ClientAddress}:{Port + 1}").And.Not.Contain($"{_net.ClientAddress} . {Port + 1}"));
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
        Assert.That(ListOpenings(), Does.Contain(_net.ClientAddress), "the opening outlives the worker");
        Assert.That(NamespaceSockets.TryConnect(_net.Client, _net.ServerAddress, Port, out var s), Is.True);
        s?.Dispose();
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
            "flush ruleset"u8.ToArray(),
        ];
        foreach (var message in malformed)
        {
            Assert.That(worker.Exchange(message), Does.StartWith("refused "), Encoding.ASCII.GetString(message));
        }
        Assert.That(worker.Exited.IsCompleted, Is.False);
        Assert.That(worker.Open(_client, Port, out var error), Is.True, error);
        Assert.That(NamespaceSockets.TryConnect(_net.Client, _net.ServerAddress, Port, out var s), Is.True);
        s?.Dispose();
    }

    [Test]
    public void Flush_removes_every_opening()
    {
        using var worker = StartWorker(60);
        Assert.That(worker.Open(_client, Port, out var error), Is.True, error);
        worker.Flush();
        Assert.That(ListOpenings(), Does.Not.Contain(_net.ClientAddress));
        Assert.That(NamespaceSockets.TryConnect(_net.Client, _net.ServerAddress, Port, out _), Is.False);
    }

    [Test]
    public void Closing_the_channel_removes_every_opening_and_the_worker_exits_0()
    {
        var worker = StartWorker(60);
        Assert.That(worker.Open(_client, Port, out var error), Is.True, error);
        worker.Dispose();
        Assert.That(worker.Exited.Wait(TimeSpan.FromSeconds(10)) && worker.Exited.Result == 0, Is.True);
        Assert.That(ListOpenings(), Does.Not.Contain(_net.ClientAddress));
    }

    [Test]
    public void Sigterm_removes_every_opening_and_the_worker_exits_0()
    {
        using var worker = StartWorker(60);
        Assert.That(worker.Open(_client, Port, out var error), Is.True, error);
        Assert.That(LibC.kill(worker.ProcessId, LibC.SIGTERM), Is.Zero);
        Assert.That(worker.Exited.Wait(TimeSpan.FromSeconds(10)), Is.True);
        Assert.That(worker.Exited.Result, Is.Zero);
        Assert.That(ListOpenings(), Does.Not.Contain(_net.ClientAddress));
    }

    private protected TestWorker StartWorker(int delay, List<string>? messages = null, TestWorker? counters = null)
        => TestWorker.Start(_firewall, _net.Server, delay, messages, counters: counters);

    private protected void LoadDefaultDropRuleset()
    {
        if (_firewall == NftBackend.Instance)
        {
            var file = Path.GetTempFileName();
            try
            {
                File.WriteAllText(file, NftRuleset.Text([7001], "knockknock: "));
                _net.Server.Exec("nft", "-f", file);
            }
            finally
            {
                File.Delete(file);
            }
        }
        else
        {
            _net.Server.Exec("iptables", "-w", "-P", "INPUT", "DROP");
            _net.Server.Exec("iptables", "-w", "-A", "INPUT", "-i", "lo", "-j", "ACCEPT");
            _net.Server.Exec("iptables", "-w", "-A", "INPUT", "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT");
        }
    }

    private protected string ListOpenings() => _firewall == NftBackend.Instance
        ? _net.Server.Exec("nft", "list", "set", "inet", "knockknock", "allowed")
        : _net.Server.Exec("iptables", "-w", "-S", IptablesCommands.Chain);

    private protected static HostAddress Parse(string address) => Addresses.Of(address);

    private protected static void SleepUntil(DateTime utc)
    {
        var wait = utc - DateTime.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            Thread.Sleep(wait);
        }
    }
}

[TestFixture]
public sealed class NftWorkerFirewallTests() : WorkerFirewallTests("nft")
{
    [Test]
    public void An_nft_start_fails_clearly_when_the_set_does_not_exist()
    {
        _net.Server.Exec("nft", "delete", "table", "inet", "knockknock");
        var messages = new List<string>();
        using var worker = StartWorker(5, messages);
        Assert.That(worker.Exited.Wait(TimeSpan.FromSeconds(30)), Is.True);
        Assert.That(worker.Exited.Result, Is.EqualTo(1));
        Assert.That(string.Join('\n', messages), Does.Contain("list set inet knockknock allowed"));
    }
}

[TestFixture]
public sealed class IptablesWorkerFirewallTests() : WorkerFirewallTests("iptables")
{
    [Test]
    public void An_expired_iptables_leftover_is_deleted_at_start_and_foreign_rules_are_left_and_reported()
    {
        string[][] leftovers =
        [
            IptablesCommands.NewChain(), IptablesCommands.AcceptAdmitted(), IptablesCommands.InsertJump(),
            IptablesCommands.InsertOpening(_client, Port, DateTimeOffset.UtcNow.AddSeconds(-30)),
            [IptablesCommands.IptablesPath, "-w", "-I", IptablesCommands.Chain, "1", "-s", "192.0.2.7/32", "-j", "RETURN"],
        ];
        foreach (var argv in leftovers)
        {
            _net.Server.Exec(argv[0], argv[1..]);
        }
        Assert.That(ListOpenings(), Does.Contain($"knockknock {_net.ClientAddress}:{Port}"), "the expired leftover exists");
        var messages = new List<string>();
        using var worker = StartWorker(1, messages);
        Assert.That(worker.Open(Addresses.Of("198.18.9.9"), 9, out var error), Is.True, error); // a round trip: start-up is done
        var chain = ListOpenings();
        Assert.That(chain, Does.Not.Contain($"knockknock {_net.ClientAddress}:{Port}"), "the expired leftover is gone");
        Assert.That(chain, Does.Contain("-A KNOCKKNOCK -s 192.0.2.7/32 -j RETURN"), "a foreign rule is left alone");
        Assert.That(chain.TrimEnd().Split('\n')[^1], Is.EqualTo(IptablesCommands.AdmittedLine), "the accept rule is last");
        Assert.That(chain.Split('\n').Count(l => l == IptablesCommands.AdmittedLine), Is.EqualTo(1), "and there once");
        Assert.That(messages, Has.Count.EqualTo(1).And.Some.Contains("192.0.2.7/32"), "the foreign rule is reported once");
        Assert.That(NamespaceSockets.TryConnect(_net.Client, _net.ServerAddress, Port, out _), Is.False);
    }

    [Test]
    public void An_iptables_start_repairs_a_missing_accept_rule_and_jump()
    {
        _net.Server.Exec(IptablesCommands.IptablesPath, "-w", "-N", IptablesCommands.Chain);
        using var worker = StartWorker(5);
        Assert.That(worker.Open(_client, Port, out var error), Is.True, error);
        Assert.That(ListOpenings().TrimEnd().Split('\n')[^1], Is.EqualTo(IptablesCommands.AdmittedLine));
        Assert.That(_net.Server.Run(IptablesCommands.CheckJump()[0], IptablesCommands.CheckJump()[1..]).ExitCode, Is.Zero);
        Assert.That(NamespaceSockets.TryConnect(_net.Client, _net.ServerAddress, Port, out var s), Is.True);
        s?.Dispose();
    }
}
