using System.Runtime.InteropServices;
using Tmds.Linux;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>ssize_t sendto(int sockfd, const void *buf, size_t len, int flags, const struct sockaddr *dest_addr, socklen_t addrlen)</summary>
    [LibraryImport("libc", EntryPoint = "sendto", SetLastError = true)]
    private static partial nint SendToNative(FileDescriptorHandle socket, ReadOnlySpan<byte> data, nuint length, int flags, in SocketAddress destination, uint destinationLength);

    /// <summary>sendto(2) of one datagram or raw packet; returns the bytes sent, throws naming the call.</summary>
    public static int SendTo(FileDescriptorHandle socket, ReadOnlySpan<byte> datagram, HostAddress address, ushort port)
    {
        var destination = SocketAddress.Create(address, port);
        nint sent;
        do
        {
            sent = SendToNative(socket, datagram, (nuint)datagram.Length, 0, in destination, destination.Length);
        }
        while (sent == -1 && Marshal.GetLastPInvokeError() == LibC.EINTR);
        return (int)Check(sent, "sendto");
    }
}
