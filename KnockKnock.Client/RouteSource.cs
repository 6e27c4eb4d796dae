using Tmds.Linux;

namespace KnockKnock.Client;

/// <summary>
/// The source address of the kernel's route to a destination: connect(2) a UDP socket and read
/// getsockname(2). Connecting a UDP socket only selects a route; it sends nothing.
/// </summary>
internal static class RouteSource
{
    /// <summary>The local address the kernel would send from to reach <paramref name="destination"/>.</summary>
    public static HostAddress Lookup(HostAddress destination, ushort port)
    {
        if (!Interop.TrySocket(destination.IsIPv4 ? LibC.AF_INET : LibC.AF_INET6, LibC.SOCK_DGRAM, LibC.IPPROTO_UDP, out var socket, out var errno))
        {
            throw Interop.Error("socket(SOCK_DGRAM)", null, errno);
        }
        using (socket)
        {
            Interop.Connect(socket, destination, port);
            return Interop.GetSockName(socket);
        }
    }
}
