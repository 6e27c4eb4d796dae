using System.Diagnostics;
using Tmds.Linux;

namespace KnockKnock.Client.Connect;

/// <summary>
/// TCP connection attempts to one address and port, each a non-blocking connect() on its own
/// socket, all kept pending until one completes. A SYN the firewall drops is retransmitted by the
/// kernel only after a second (TCP_TIMEOUT_INIT), so while a knock's opening is on its way a fresh
/// attempt every few milliseconds gets in sooner; an earlier attempt is never closed before the
/// end (but beyond <see cref="MaximumPending"/>), because its SYN may be the one the opening
/// admitted, and closing it would answer the server's SYN-ACK with a reset and waste the opening. The winner is made blocking again and
/// handed out; <see cref="Dispose"/> closes the others (a socket still in SYN-SENT goes silently).
/// </summary>
internal sealed class ConnectAttempts(HostAddress destination, ushort port) : IDisposable
{
    /// <summary>
    /// The most attempts kept pending: beyond it, starting one closes the oldest (its SYN and its
    /// first retransmissions are long lost by then), so a connection that never comes holds a
    /// bounded number of descriptors, also in the proxy with many of them.
    /// </summary>
    public const int MaximumPending = 32;

    private readonly List<FileDescriptorHandle> _pending = [];

    /// <summary>How many attempts were started.</summary>
    public int Started { get; private set; }

    /// <summary>The errno of the last attempt that failed (ECONNREFUSED, ENETUNREACH...), 0 when none has.</summary>
    public int LastError { get; private set; }

    /// <summary>Starts one more attempt; returns its socket if connect() completed at once (loopback), else null.</summary>
    public FileDescriptorHandle? Start()
    {
        if (_pending.Count >= MaximumPending)
        {
            _pending[0].Dispose();
            _pending.RemoveAt(0);
        }
        if (!Interop.TrySocket(destination.IsIPv4 ? LibC.AF_INET : LibC.AF_INET6, LibC.SOCK_STREAM | LibC.SOCK_NONBLOCK, LibC.IPPROTO_TCP, out var socket, out var errno))
        {
            throw Interop.Error("socket(SOCK_STREAM)", null, errno);
        }
        Started++;
        var result = Interop.TryConnect(socket, destination, port);
        if (result == 0)
        {
            return Connected(socket);
        }
        if (result == LibC.EINPROGRESS)
        {
            _pending.Add(socket);
        }
        else
        {
            LastError = result;
            socket.Dispose();
        }
        return null;
    }

    /// <summary>
    /// Waits until <paramref name="deadline"/> (a <see cref="Stopwatch"/> timestamp) for a pending
    /// attempt to connect; returns the first that did, or null at the deadline. Failed attempts are
    /// closed and their errno kept in <see cref="LastError"/>.
    /// </summary>
    public FileDescriptorHandle? WaitUntil(long deadline)
    {
        while (true)
        {
            var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
            if (left <= TimeSpan.Zero || _pending.Count == 0)
            {
                if (left > TimeSpan.Zero)
                {
                    Thread.Sleep(left);
                }
                return null;
            }
            var polled = new pollfd[_pending.Count];
            for (var i = 0; i < _pending.Count; i++)
            {
                polled[i] = new pollfd { fd = _pending[i].Fd, events = LibC.POLLOUT };
            }
            if (Interop.Poll(polled, (int)Math.Ceiling(left.TotalMilliseconds), "connection attempts") == 0)
            {
                continue;
            }
            for (var i = _pending.Count - 1; i >= 0; i--)
            {
                if (polled[i].revents == 0)
                {
                    continue;
                }
                var socket = _pending[i];
                _pending.RemoveAt(i);
                var error = Interop.GetSocketOption(socket, LibC.SOL_SOCKET, LibC.SO_ERROR, "SO_ERROR");
                if (error == 0)
                {
                    return Connected(socket);
                }
                LastError = error;
                socket.Dispose();
            }
        }
    }

    public void Dispose()
    {
        foreach (var socket in _pending)
        {
            socket.Dispose();
        }
        _pending.Clear();
    }

    private static FileDescriptorHandle Connected(FileDescriptorHandle socket)
    {
        Interop.SetNonBlocking(socket, false);
        return socket;
    }
}
