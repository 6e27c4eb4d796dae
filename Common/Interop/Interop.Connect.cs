using System.Runtime.InteropServices;
using Tmds.Linux;

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

    /// <summary>
    /// connect(2) that returns its errno instead of throwing: 0 when connected, EINPROGRESS for a
    /// non-blocking socket whose handshake goes on (poll for POLLOUT, then read SO_ERROR), or why it
    /// failed at once (ENETUNREACH, ECONNREFUSED...). A signal does not stop the handshake (the
    /// kernel goes on with it, socket(7)): EINTR is reported as EINPROGRESS.
    /// </summary>
    public static int TryConnect(FileDescriptorHandle socket, HostAddress address, ushort port)
    {
        var destination = SocketAddress.Create(address, port);
        if (ConnectNative(socket, in destination, destination.Length) == 0)
        {
            return 0;
        }
        var errno = Marshal.GetLastPInvokeError();
        return errno == LibC.EINTR ? LibC.EINPROGRESS : errno;
    }
}
