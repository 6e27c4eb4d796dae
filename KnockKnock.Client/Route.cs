using Tmds.Linux;

namespace KnockKnock.Client;

/// <summary>
/// What the kernel's route to a destination gives a connection, learned the way an unprivileged
/// program can: connect(2) a UDP socket (which selects a route and sends nothing), then read the
/// source address (getsockname), the path MTU (IP_MTU / IPV6_MTU) and, for IPv6, the hop limit
/// (IPV6_UNICAST_HOPS, which follows router advertisements and the route's hoplimit).
/// </summary>
/// <param name="Source">The local address a connection to the destination would use.</param>
/// <param name="Mtu">The route's MTU.</param>
/// <param name="HopLimit">IPv6: the hop limit a connection's packets carry; IPv4: null (the kernel's SYN template has the TTL).</param>
internal readonly record struct Route(HostAddress Source, int Mtu, int? HopLimit)
{
    // linux/in.h and linux/in6.h; not in Tmds.LibC 0.5.0.
    private const int IP_MTU = 14;
    private const int IPV6_UNICAST_HOPS = 16;
    private const int IPV6_MTU = 24;

    // tcp(7) TCP_MAXSEG accepts 88..32767; routes with a larger MTU go through loopback.
    private const int MaximumSegmentSize = 32767;

    /// <summary>The route to <paramref name="destination"/>; throws <see cref="ErrnoException"/> when there is none.</summary>
    public static Route Lookup(HostAddress destination, ushort port)
    {
        if (!Interop.TrySocket(destination.IsIPv4 ? LibC.AF_INET : LibC.AF_INET6, LibC.SOCK_DGRAM, LibC.IPPROTO_UDP, out var socket, out var errno))
        {
            throw Interop.Error("socket(SOCK_DGRAM)", null, errno);
        }
        using (socket)
        {
            Interop.Connect(socket, destination, port);
            var (source, _) = Interop.GetSockName(socket);
            return destination.IsIPv4
                ? new Route(source, Interop.GetSocketOption(socket, LibC.SOL_IP, IP_MTU, "IP_MTU"), null)
                : new Route(source, Interop.GetSocketOption(socket, LibC.SOL_IPV6, IPV6_MTU, "IPV6_MTU"), Interop.GetSocketOption(socket, LibC.SOL_IPV6, IPV6_UNICAST_HOPS, "IPV6_UNICAST_HOPS"));
        }
    }

    /// <summary>
    /// The MSS a connect() SYN on this route announces: the MTU less the IP and TCP headers (40
    /// bytes IPv4, 60 IPv6). Null for a route through loopback (MTU 65536), whose MSS TCP_MAXSEG
    /// cannot express: a loopback connection already announces it.
    /// </summary>
    public int? SegmentSize
    {
        get
        {
            var segment = Mtu - (Source.IsIPv4 ? 40 : 60);
            return segment > MaximumSegmentSize ? null : Math.Max(segment, 88);
        }
    }
}
