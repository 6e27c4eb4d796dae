using System.Runtime.InteropServices;
using Tmds.Linux;

namespace KnockKnock.Client;

internal static partial class Interop
{
    /// <summary>sendto(2) of one datagram to an IPv4 address (host order); returns the bytes sent.</summary>
    internal static unsafe int SendTo(SocketHandle socket, ReadOnlySpan<byte> datagram, uint address, ushort port)
    {
        var destination = SocketAddress.Create(address, port);
        fixed (byte* data = datagram)
        {
            nint sent;
            do
            {
                sent = SendToNative(socket, data, (nuint)datagram.Length, 0, (sockaddr*)&destination, SocketAddress.Size);
            }
            while (sent == -1 && Marshal.GetLastPInvokeError() == LibC.EINTR);
            ThrowIfFailed(sent, "sendto");
            return (int)sent;
        }
    }

    /// <summary>ssize_t sendto(int sockfd, const void *buf, size_t len, int flags, const struct sockaddr *dest_addr, socklen_t addrlen)</summary>
    [LibraryImport("libc", EntryPoint = "sendto", SetLastError = true)]
    private static unsafe partial nint SendToNative(SocketHandle socket, byte* data, nuint length, int flags, sockaddr* destination, uint destinationLength);
}
