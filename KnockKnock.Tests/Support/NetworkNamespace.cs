using System.Diagnostics;
using System.Threading;

namespace KnockKnock.Tests.Support;

/// <summary>
/// A network namespace made by a test and deleted on dispose. Names are unique per process and
/// instance (kk-PID-N-ROLE), so parallel runs and leftovers of other runs never collide.
/// </summary>
internal sealed class NetworkNamespace : IDisposable
{
    private static int s_next;

    public string Name { get; }

    private NetworkNamespace(string name) => Name = name;

    public static NetworkNamespace Create(string role)
    {
        var name = $"kk{Environment.ProcessId}n{Interlocked.Increment(ref s_next)}{role}";
        Command.Check("ip", "netns", "add", name);
        var ns = new NetworkNamespace(name);
        ns.Exec("ip", "link", "set", "lo", "up");
        return ns;
    }

    /// <summary>Runs a command inside the namespace and asserts it succeeded; returns stdout.</summary>
    public string Exec(string file, params string[] args) => Command.Check("ip", ["netns", "exec", Name, file, .. args]);

    /// <summary>Runs a command inside the namespace and returns its result, whatever it is.</summary>
    public CommandResult Run(string file, params string[] args) => Command.Run("ip", ["netns", "exec", Name, file, .. args]);

    /// <summary>Runs a command inside the namespace with <paramref name="input"/> on its standard input (then end of file), within <paramref name="timeout"/>.</summary>
    public CommandResult Run(string file, IEnumerable<string> args, string input, TimeSpan? timeout = null, IDictionary<string, string>? environment = null)
        => Command.Run("ip", ["netns", "exec", Name, file, .. args], timeout, environment, input: input);

    /// <summary>Starts a long-running command inside the namespace; the caller ends it by PID.</summary>
    public Process Start(string file, IEnumerable<string> args, IDictionary<string, string>? environment = null)
        => Command.Start("ip", ["netns", "exec", Name, file, .. args], environment);

    public void Dispose() => Command.Run("ip", "netns", "delete", Name);
}

/// <summary>
/// Two (or more) namespaces joined by veth pairs, no default route anywhere. Each link has both
/// families: IPv4 from 198.18.0.0/15 (reserved for network benchmarking) and IPv6 from 2001:db8::/32
/// (documentation), without duplicate address detection so they work at once; traffic cannot leave
/// the namespaces.
/// </summary>
internal sealed class TestNetwork : IDisposable
{
    private static int s_subnet = Environment.ProcessId % 200;
    private readonly List<NetworkNamespace> _namespaces = [];

    public NetworkNamespace Server { get; }
    public NetworkNamespace Client { get; }
    public string ServerAddress { get; }
    public string ClientAddress { get; }

    /// <summary>The server's end of the client link (a veth, Ethernet framing): where a capture sees the client's packets.</summary>
    public string ServerInterface { get; }

    /// <summary>The server's IPv6 address on the client link (canonical text, as nft and the client print it).</summary>
    public string ServerAddress6 { get; }

    /// <summary>The client's IPv6 address on the server link.</summary>
    public string ClientAddress6 { get; }

    public TestNetwork()
    {
        try
        {
            Server = Add("srv");
            Client = Add("cli");
            (ServerAddress, ClientAddress, ServerAddress6, ClientAddress6, ServerInterface) = Link(Server, Client);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Adds a third host linked to the server (its own veth pair and subnets); returns its address and the server's on that link (IPv4 unless asked for IPv6).</summary>
    public (NetworkNamespace Host, string Address, string ServerSideAddress) AddPeer(string role, bool ipv6 = false)
    {
        var (host, address, serverSide, address6, serverSide6) = AddDualStackPeer(role);
        return ipv6 ? (host, address6, serverSide6) : (host, address, serverSide);
    }

    /// <summary>Adds a third host linked to the server; returns its addresses and the server's on that link, both families.</summary>
    public (NetworkNamespace Host, string Address, string ServerSideAddress, string Address6, string ServerSideAddress6) AddDualStackPeer(string role)
    {
        var host = Add(role);
        var (serverSide, hostSide, serverSide6, hostSide6, _) = Link(Server, host);
        return (host, hostSide, serverSide, hostSide6, serverSide6);
    }

    private NetworkNamespace Add(string role)
    {
        var ns = NetworkNamespace.Create(role);
        _namespaces.Add(ns);
        return ns;
    }

    private static (string A, string B, string A6, string B6, string InterfaceA) Link(NetworkNamespace a, NetworkNamespace b)
    {
        var subnet = Interlocked.Increment(ref s_subnet) % 250;
        var vethA = $"kv{Environment.ProcessId % 100000}a{subnet}";
        var vethB = $"kv{Environment.ProcessId % 100000}b{subnet}";
        var addressA = $"198.18.{subnet}.1";
        var addressB = $"198.18.{subnet}.2";
        var addressA6 = $"2001:db8:{subnet + 1:x}::1"; // + 1: never the group 0, which RFC 5952 text would drop
        var addressB6 = $"2001:db8:{subnet + 1:x}::2";
        Command.Check("ip", "link", "add", vethA, "netns", a.Name, "type", "veth", "peer", "name", vethB, "netns", b.Name);
        a.Exec("ip", "addr", "add", addressA + "/24", "dev", vethA);
        b.Exec("ip", "addr", "add", addressB + "/24", "dev", vethB);
        a.Exec("ip", "-6", "addr", "add", addressA6 + "/64", "dev", vethA, "nodad");
        b.Exec("ip", "-6", "addr", "add", addressB6 + "/64", "dev", vethB, "nodad");
        a.Exec("ip", "link", "set", vethA, "up");
        b.Exec("ip", "link", "set", vethB, "up");
        return (addressA, addressB, addressA6, addressB6, vethA);
    }

    public void Dispose()
    {
        foreach (var ns in _namespaces)
        {
            ns.Dispose();
        }
    }
}
