using KnockKnock.Crypto.Protocol;
using Tmds.Linux;

namespace KnockKnock.Client;

/// <summary>
/// The SYN this host's kernel sends when a program connects over a route, learned from the kernel
/// itself without privileges, never from a table: a loopback listener with TCP_SAVE_SYN, a client
/// socket with TCP_MAXSEG set to the route's MSS, one connect(), then TCP_SAVED_SYN on the accepted
/// socket gives the IP and TCP headers exactly as the kernel built them (tcp(7)). Everything but
/// the addresses, ports, sequence number, TSval and IP ID / flow label is what a connect() on the
/// real route sends (window, options and their order, MSS, window scale, TTL, DF, TOS): the fields
/// a protocol v2 knock keeps (docs/PROTOCOL.md, "Version 2"). The same network namespace and the same
/// sysctls as the applications that follow the knock are what make it match.
/// </summary>
internal static class KernelSyn
{
    // linux/tcp.h; not in Tmds.LibC 0.5.0.
    private const int TCP_SAVE_SYN = 27;
    private const int TCP_SAVED_SYN = 28;

    // A SYN over loopback takes microseconds; a host firewall that drops loopback would make a
    // blocking connect() wait minutes.
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(1);

    /// <summary>Returns the kernel's SYN for a route (IP header, TCP header and options; no link-layer header).</summary>
    public static TcpSyn Learn(Route route)
    {
        var family = route.Source.IsIPv4 ? KnockFamily.IPv4 : KnockFamily.IPv6;
        var loopback = family == KnockFamily.IPv4 ? HostAddress.IPv4Loopback : HostAddress.IPv6Loopback;
        var domain = family == KnockFamily.IPv4 ? LibC.AF_INET : LibC.AF_INET6;
        using var listener = Socket(domain);
        Interop.SetSocketOption(listener, LibC.IPPROTO_TCP, TCP_SAVE_SYN, 1, "TCP_SAVE_SYN");
        Interop.SetSocketTimeout(listener, LibC.SO_RCVTIMEO, s_timeout, "SO_RCVTIMEO");
        Interop.Bind(listener, loopback, 0);
        Interop.Listen(listener, 1);
        var (_, port) = Interop.GetSockName(listener);

        using var client = Socket(domain);
        if (route.SegmentSize is { } segment)
        {
            Interop.SetSocketOption(client, LibC.IPPROTO_TCP, LibC.TCP_MAXSEG, segment, "TCP_MAXSEG");
        }
        Interop.SetSocketTimeout(client, LibC.SO_SNDTIMEO, s_timeout, "SO_SNDTIMEO");
        Interop.Connect(client, loopback, port);
        var (_, clientPort) = Interop.GetSockName(client);
        using var accepted = Interop.Accept(listener);
        // Any local process may connect to the listener first: only our own connection's SYN counts.
        if (Interop.GetPeerName(accepted) != (loopback, clientPort))
        {
            throw new IOException("another connection reached the loopback listener first");
        }
        Span<byte> saved = stackalloc byte[TcpSyn.MaximumLength];
        var length = Interop.GetSocketOption(accepted, LibC.IPPROTO_TCP, TCP_SAVED_SYN, saved, "TCP_SAVED_SYN");
        return TcpSyn.TryRead(saved[..length], out var syn) && syn.Family == family && syn.Ports == (clientPort, port)
            ? syn
            : throw new IOException($"the kernel's saved SYN ({length} bytes) is not the TCP SYN of this connection");
    }

    private static FileDescriptorHandle Socket(int domain)
        => Interop.TrySocket(domain, LibC.SOCK_STREAM, LibC.IPPROTO_TCP, out var socket, out var errno)
            ? socket
            : throw Interop.Error("socket(SOCK_STREAM)", null, errno);
}
