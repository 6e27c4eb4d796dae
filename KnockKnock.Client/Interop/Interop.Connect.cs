using System.Runtime.InteropServices;
using Tmds.Linux;

namespace KnockKnock.Client;

internal static partial class Interop
{
    /// <summary>connect(2) to an IPv4 address and port (host-order values).</summary>
    internal static unsafe void Connect(SocketHandle socket, uint address, ushort port)
    {
        var destination = SocketAddress.Create(address, port);
        ThrowIfFailed(ConnectNative(socket, (sockaddr*)&destination, SocketAddress.Size), "connect");
    }

    /// <summary>int connect(int sockfd, const struct sockaddr *addr, socklen_t addrlen)</summary>
    [LibraryImport("libc", EntryPoint = "connect", SetLastError = true)]
    private static unsafe partial int ConnectNative(SocketHandle socket, sockaddr* address, uint addressLength);
}
