using System.Net;
using System.Net.Sockets;
using Tmds.Linux;

namespace KnockKnock.Tests.Support;

/// <summary>
/// Real TCP sockets inside a test's network namespaces: each socket is created on a throw-away
/// thread that joined the namespace with setns(2) (a socket keeps the namespace it was made in).
/// </summary>
internal static class NamespaceSockets
{
    /// <summary>
    /// A TCP socket created inside <paramref name="ns"/>: IPv6 and dual-stack unless said (IPv4-mapped
    /// addresses: it connects and listens over both families), or only <paramref name="family"/>.
    /// </summary>
    public static Socket SocketIn(NetworkNamespace ns, AddressFamily? family = null)
    {
        Socket? socket = null;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle($"/run/netns/{ns.Name}");
                if (LibC.setns((int)handle.DangerousGetHandle(), LibC.CLONE_NEWNET) != 0)
                {
                    throw new IOException($"setns {ns.Name} failed, errno {LibC.errno}");
                }
                socket = new Socket(family ?? AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
                if (socket.AddressFamily == AddressFamily.InterNetworkV6)
                {
                    socket.DualMode = family is null;
                }
            }
            catch (Exception e) when (e is IOException or SocketException or UnauthorizedAccessException)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        return socket ?? throw new InvalidOperationException("could not create a socket in " + ns.Name, failure);
    }

    /// <summary>An echo server on every address of <paramref name="ns"/>, both families unless said; dispose the returned socket to stop it.</summary>
    public static Socket ListenEcho(NetworkNamespace ns, int port, AddressFamily? family = null)
    {
        var listener = SocketIn(ns, family);
        listener.Bind(new IPEndPoint(family == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, port));
        listener.Listen(64);
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
                _ = Task.Run(async () =>
                {
                    using (connection)
                    {
                        var buffer = new byte[256];
                        try
                        {
                            int n;
                            while ((n = await connection.ReceiveAsync(buffer).ConfigureAwait(false)) > 0)
                            {
                                await connection.SendAsync(buffer.AsMemory(0, n)).ConfigureAwait(false);
                            }
                        }
                        catch (SocketException)
                        {
                        }
                    }
                });
            }
        });
        return listener;
    }

    /// <summary>True when the TCP handshake completes within <paramref name="timeout"/> (default 1.5 s; a dropped SYN never does).</summary>
    public static bool TryConnect(NetworkNamespace from, string address, int port, out Socket? connected, TimeSpan? timeout = null)
    {
        var socket = SocketIn(from, IPAddress.Parse(address).AddressFamily);
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(1.5));
        try
        {
            socket.ConnectAsync(new IPEndPoint(IPAddress.Parse(address), port), cancel.Token).AsTask().GetAwaiter().GetResult();
            connected = socket;
            return true;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException)
        {
            socket.Dispose();
            connected = null;
            return false;
        }
    }

    /// <summary>True when a connection attempt succeeds; the connection is closed at once.</summary>
    public static bool CanConnect(NetworkNamespace from, string address, int port, TimeSpan? timeout = null)
    {
        var ok = TryConnect(from, address, port, out var socket, timeout);
        socket?.Dispose();
        return ok;
    }

    /// <summary>Sends <paramref name="text"/> and reads the echo back (3 s limit); true when it came back whole.</summary>
    public static bool Echoes(Socket connection, string text)
    {
        var bytes = System.Text.Encoding.ASCII.GetBytes(text);
        connection.Send(bytes);
        connection.ReceiveTimeout = 3000;
        var buffer = new byte[bytes.Length];
        var read = 0;
        try
        {
            while (read < bytes.Length)
            {
                var n = connection.Receive(buffer, read, bytes.Length - read, SocketFlags.None);
                if (n == 0)
                {
                    return false;
                }
                read += n;
            }
        }
        catch (SocketException)
        {
            return false;
        }
        return buffer.AsSpan().SequenceEqual(bytes);
    }
}
