using Tmds.Linux;

namespace KnockKnock.Client;

internal static partial class Interop
{
    /// <summary>getsockname(2) of an IPv4 socket: its local address, host order.</summary>
    internal static unsafe uint GetSockNameAddress(SocketHandle socket)
    {
        sockaddr_in local = default;
        socklen_t length = SocketAddress.Size;
        var success = false;
        try
        {
            socket.DangerousAddRef(ref success);
            ThrowIfFailed(LibC.getsockname(socket.Fd, (sockaddr*)&local, &length), "getsockname");
        }
        finally
        {
            if (success)
            {
                socket.DangerousRelease();
            }
        }
        return SocketAddress.GetAddress(in local);
    }
}
