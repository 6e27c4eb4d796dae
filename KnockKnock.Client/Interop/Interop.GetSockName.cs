using System.Runtime.InteropServices;
using Tmds.Linux;

namespace KnockKnock.Client;

internal static partial class Interop
{
    /// <summary>getsockname(2) of an IPv4 socket: its local address, host order.</summary>
    internal static unsafe uint GetSockNameAddress(SocketHandle socket)
    {
        sockaddr_in local = default;
        uint length = SocketAddress.Size;
        ThrowIfFailed(GetSockName(socket, (sockaddr*)&local, &length), "getsockname");
        return SocketAddress.GetAddress(in local);
    }

    /// <summary>int getsockname(int sockfd, struct sockaddr *addr, socklen_t *addrlen)</summary>
    [LibraryImport("libc", EntryPoint = "getsockname", SetLastError = true)]
    private static unsafe partial int GetSockName(SocketHandle socket, sockaddr* address, uint* addressLength);
}
