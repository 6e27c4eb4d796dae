using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>int getpeername(int sockfd, struct sockaddr *addr, socklen_t *addrlen)</summary>
    [LibraryImport("libc", EntryPoint = "getpeername", SetLastError = true)]
    private static partial int GetPeerNameNative(FileDescriptorHandle socket, out SocketAddress address, ref uint addressLength);

    /// <summary>The address and port a connected socket's peer has.</summary>
    public static (HostAddress Address, ushort Port) GetPeerName(FileDescriptorHandle socket)
    {
        uint length = 28;
        Check(GetPeerNameNative(socket, out var peer, ref length), "getpeername");
        return (peer.Address, peer.Port);
    }
}
