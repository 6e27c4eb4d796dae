using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>int getsockname(int sockfd, struct sockaddr *addr, socklen_t *addrlen)</summary>
    [LibraryImport("libc", EntryPoint = "getsockname", SetLastError = true)]
    private static partial int GetSockNameNative(FileDescriptorHandle socket, out SocketAddress address, ref uint addressLength);

    /// <summary>The local address and port a socket is bound to.</summary>
    public static (HostAddress Address, ushort Port) GetSockName(FileDescriptorHandle socket)
    {
        uint length = 28;
        Check(GetSockNameNative(socket, out var local, ref length), "getsockname");
        return (local.Address, local.Port);
    }
}
