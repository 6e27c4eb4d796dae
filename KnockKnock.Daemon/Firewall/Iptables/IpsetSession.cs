using System.Text;

namespace KnockKnock.Daemon.Firewall.Iptables;

/// <summary>
/// One libipset session for the worker's lifetime (its own netlink socket), driven through the
/// session's typed data, never through ipset's argv parser: a set name from
/// <see cref="IptablesFamily"/>, address bytes from <see cref="HostAddress"/>, the port, protocol
/// TCP and seconds as integers. Every command waits for the kernel's answer, so an element is in the
/// set when the call returns. -exist is on for every command: adding a present element renews its
/// timeout, deleting an absent one succeeds. libipset keeps process-wide state (its type and set
/// caches), so the session is used by the thread that created it only.
/// </summary>
internal sealed class IpsetSession : IDisposable
{
    private const byte TcpProtocol = 6;
    private readonly nint _session;
    private readonly int _thread = Environment.CurrentManagedThreadId;
    private bool _disposed;

    private IpsetSession(nint session) => _session = session;

    /// <summary>Loads libipset (at the first call in the process) and opens a session; throws <see cref="InvalidOperationException"/> if it cannot.</summary>
    public static IpsetSession Create()
    {
        nint session;
        try
        {
            Interop.IpsetLoadTypes();
            session = Interop.IpsetSessionInit();
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            throw new InvalidOperationException($"cannot load {Interop.LibIpset}: install libipset13 ({e.GetType().Name})", e);
        }
        if (session == 0)
        {
            throw new InvalidOperationException("ipset_session_init failed");
        }
        Interop.IpsetEnvoptSet(session, Interop.IPSET_ENV_EXIST);
        return new IpsetSession(session);
    }

    /// <summary>
    /// Creates the family's set (<see cref="IptablesCommands.CreateSet"/>'s parameters); succeeds
    /// when an identical one exists, fails when one with other parameters does.
    /// </summary>
    public bool TryCreate(IptablesFamily family, out string error)
    {
        ArgumentNullException.ThrowIfNull(family);
        var data = Data();
        if (!Set(data, Interop.IPSET_SETNAME, Name(family.Set)) || !Set(data, Interop.IPSET_OPT_TYPENAME, Name(IptablesCommands.SetType))
            || !Set(data, Interop.IPSET_OPT_FAMILY, [family.NfProto]) || Interop.IpsetTypeGet(_session, Interop.IPSET_CMD_CREATE) == 0
            || !Set(data, Interop.IPSET_OPT_TIMEOUT, BitConverter.GetBytes((uint)IptablesCommands.SetDefaultTimeout))
            || !Set(data, Interop.IPSET_OPT_MAXELEM, BitConverter.GetBytes((uint)IptablesCommands.SetMaxElements)))
        {
            return Failed($"create {family.Set}", out error);
        }
        return Run(Interop.IPSET_CMD_CREATE, $"create {family.Set}", out error);
    }

    /// <summary>Adds SOURCE,tcp:PORT with a timeout of <paramref name="seconds"/> to the set of the source's family (or renews it).</summary>
    public bool TryAdd(HostAddress source, ushort port, int seconds, out string error)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(seconds, 1);
        return TryElement(Interop.IPSET_CMD_ADD, "add", source, port, seconds, out error);
    }

    /// <summary>Deletes SOURCE,tcp:PORT from the set of the source's family (succeeds when it is not there).</summary>
    public bool TryDelete(HostAddress source, ushort port, out string error) => TryElement(Interop.IPSET_CMD_DEL, "del", source, port, 0, out error);

    /// <summary>Removes every element of the family's set.</summary>
    public bool TryFlush(IptablesFamily family, out string error)
    {
        ArgumentNullException.ThrowIfNull(family);
        return Set(Data(), Interop.IPSET_SETNAME, Name(family.Set)) ? Run(Interop.IPSET_CMD_FLUSH, $"flush {family.Set}", out error) : Failed($"flush {family.Set}", out error);
    }

    private bool TryElement(int command, string verb, HostAddress source, ushort port, int seconds, out string error)
    {
        var family = IptablesFamily.Of(source);
        var what = $"{verb} {family.Set} {source},tcp:{port}";
        var data = Data();
        // The type lookup fills in the set's family; the address is read with that family's length,
        // so a set of the other family (an admin's doing) must not get this address.
        if (!Set(data, Interop.IPSET_SETNAME, Name(family.Set)) || Interop.IpsetTypeGet(_session, command) == 0)
        {
            return Failed(what, out error);
        }
        if (Interop.IpsetDataGetByte(data, Interop.IPSET_OPT_FAMILY) != family.NfProto)
        {
            error = $"ipset {what}: the set is not of family {family.IpsetFamily}";
            return false;
        }
        Span<byte> address = stackalloc byte[16];
        address.Clear();
        source.WriteBytes(address);
        if (!Set(data, Interop.IPSET_OPT_IP, address) || !Set(data, Interop.IPSET_OPT_PORT, BitConverter.GetBytes(port))
            || !Set(data, Interop.IPSET_OPT_PROTO, [TcpProtocol])
            || (seconds > 0 && !Set(data, Interop.IPSET_OPT_TIMEOUT, BitConverter.GetBytes((uint)seconds))))
        {
            return Failed(what, out error);
        }
        return Run(command, what, out error);
    }

    private nint Data()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Environment.CurrentManagedThreadId != _thread)
        {
            throw new InvalidOperationException("an ipset session is used by the thread that made it only");
        }
        return Interop.IpsetSessionData(_session);
    }

    private static bool Set(nint data, int option, ReadOnlySpan<byte> value) => Interop.IpsetDataSet(data, option, value) == 0;

    private bool Run(int command, string what, out string error) => Interop.IpsetCmd(_session, command, 0) == 0 ? Succeeded(out error) : Failed(what, out error);

    private bool Succeeded(out string error)
    {
        // A warning (none is expected) would linger into the next command's report otherwise.
        Interop.IpsetSessionReportReset(_session);
        error = "";
        return true;
    }

    /// <summary>The session's report as one line, then clean data and report for the next command.</summary>
    private bool Failed(string what, out string error)
    {
        var report = Interop.IpsetSessionReportMsg(_session).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        Interop.IpsetDataReset(Interop.IpsetSessionData(_session));
        Interop.IpsetSessionReportReset(_session);
        error = $"ipset {what}: {report ?? "failed without a message"}";
        return false;
    }

    /// <summary>A NUL-terminated ASCII name.</summary>
    private static byte[] Name(string name) => Encoding.ASCII.GetBytes(name + "\0");

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _ = Interop.IpsetSessionFini(_session);
        }
    }
}
