using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>int connect(int sockfd, const struct sockaddr *addr, socklen_t addrlen)</summary>
    [LibraryImport("libc", EntryPoint = "connect", SetLastError = true)]
    private static partial int ConnectNative(FileDescriptorHandle socket, in SocketAddress address, uint addressLength);

    /// <summary>connect(2) to an address and port; throws naming the call.</summary>
    public static void Connect(FileDescriptorHandle socket, HostAddress address, ushort port)
    {
        var destination = SocketAddress.Create(address, port);
        Check(ConnectNative(socket, in destination, destination.Length), "connect");
    }
}
