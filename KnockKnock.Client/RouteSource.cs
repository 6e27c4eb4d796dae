using Tmds.Linux;

namespace KnockKnock.Client;

/// <summary>
/// The source address of the kernel's route to a destination: connect(2) a UDP socket and read
/// getsockname(2). Connecting a UDP socket only selects a route; it sends nothing.
/// </summary>
internal static class RouteSource
{
    /// <summary>The local IPv4 address (host order) the kernel would send from to reach <paramref name="destination"/>.</summary>
    public static uint Lookup(uint destination, ushort port)
    {
        if (!Interop.TrySocket(LibC.AF_INET, LibC.SOCK_DGRAM, LibC.IPPROTO_UDP, out var socket, out var errno))
        {
            throw Interop.GetExceptionForErrno("socket(AF_INET, SOCK_DGRAM)", errno);
        }
        using (socket)
        {
            Interop.Connect(socket, destination, port);
            return Interop.GetSockNameAddress(socket);
        }
    }
}
