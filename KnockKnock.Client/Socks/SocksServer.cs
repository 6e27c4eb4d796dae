using KnockKnock.Client.Connect;
using Tmds.Linux;

namespace KnockKnock.Client.Socks;

/// <summary>
/// The proxy's accept loop: one thread per client connection (<see cref="SocksSession"/>), at most
/// <see cref="MaximumSessions"/> at once (more are closed at once: each holds two threads and, for a
/// while, a knock's decoy sender). Concurrent sessions knock independently, each with its own
/// counter (the counter store's lock serialises them). Runs until the process is ended.
/// </summary>
internal sealed class SocksServer(FileDescriptorHandle listener, SocksSettings settings, RawSockets sockets, TextWriter log)
{
    public const int MaximumSessions = 256;

    private const int SessionStackSize = 256 * 1024;

    private int _sessions;

    /// <summary>A listening TCP socket on <paramref name="address"/>:<paramref name="port"/> (0: the kernel picks one); returns it with the port it got.</summary>
    public static (FileDescriptorHandle Listener, ushort Port) Listen(HostAddress address, ushort port)
    {
        if (!Interop.TrySocket(address.IsIPv4 ? LibC.AF_INET : LibC.AF_INET6, LibC.SOCK_STREAM, LibC.IPPROTO_TCP, out var socket, out var errno))
        {
            throw Interop.Error("socket(SOCK_STREAM)", null, errno);
        }
        try
        {
            Interop.SetSocketOption(socket, LibC.SOL_SOCKET, LibC.SO_REUSEADDR, 1, "SO_REUSEADDR");
            Interop.Bind(socket, address, port);
            Interop.Listen(socket, 128);
            return (socket, Interop.GetSockName(socket).Port);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Serve()
    {
        while (true)
        {
            FileDescriptorHandle client;
            try
            {
                client = Interop.Accept(listener);
            }
            catch (ErrnoException e)
            {
                // Out of descriptors or memory, or a connection reset before accept: try again shortly.
                log.WriteLine($"knockknock socks: accept: {e.Description}");
                Thread.Sleep(100);
                continue;
            }
            if (Interlocked.Increment(ref _sessions) > MaximumSessions)
            {
                Interlocked.Decrement(ref _sessions);
                client.Dispose();
                log.WriteLine($"knockknock socks: connection closed: {MaximumSessions} sessions at once already");
                continue;
            }
            new Thread(() => RunSession(client), SessionStackSize) { IsBackground = true, Name = "socks session" }.Start();
        }
    }

    private void RunSession(FileDescriptorHandle client)
    {
        using (client)
        {
            var peer = Peer(client);
            try
            {
                new SocksSession(client, peer, settings, sockets, log).Run();
            }
            catch (Exception e)
            {
                // The boundary of one client's session: whatever went wrong ends this session
                // only, with one line, never the proxy and the other sessions.
                log.WriteLine($"knockknock socks: {peer}: session ended: {e.Message}");
            }
            finally
            {
                Interlocked.Decrement(ref _sessions);
            }
        }
    }

    private static string Peer(FileDescriptorHandle client)
    {
        try
        {
            var (address, port) = Interop.GetPeerName(client);
            return address.IsIPv4 ? $"{address}:{port}" : $"[{address}]:{port}";
        }
        catch (ErrnoException)
        {
            return "a client already gone";
        }
    }
}
