using Tmds.Linux;

namespace KnockKnock.Client;

internal static partial class Interop
{
    /// <summary>sendto(2) of one datagram to an IPv4 address (host order); returns the bytes sent.</summary>
    internal static unsafe int SendTo(SocketHandle socket, ReadOnlySpan<byte> datagram, uint address, ushort port)
    {
        var destination = SocketAddress.Create(address, port);
        var success = false;
        try
        {
            socket.DangerousAddRef(ref success);
            fixed (byte* data = datagram)
            {
                ssize_t sent;
                do
                {
                    sent = LibC.sendto(socket.Fd, data, datagram.Length, 0, (sockaddr*)&destination, SocketAddress.Size);
                }
                while (sent == -1 && LastErrno == LibC.EINTR);
                ThrowIfFailed(sent, "sendto");
                return (int)sent;
            }
        }
        finally
        {
            if (success)
            {
                socket.DangerousRelease();
            }
        }
    }
}
