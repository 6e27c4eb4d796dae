using System.Diagnostics.CodeAnalysis;
using Tmds.Linux;

namespace KnockKnock.Client;

/// <summary>
/// Sends complete, hand-built IP packets through socket(AF_INET or AF_INET6, SOCK_RAW, IPPROTO_RAW),
/// which implies IP_HDRINCL / IPV6_HDRINCL (raw(7)). IPv4: the kernel sends our header as is,
/// except that it always fills in the total length and header checksum, and fills in the source
/// address and (without DF) the IP ID when they are 0; an ID of 0 with DF goes out as 0. IPv6: the
/// kernel sends the buffer verbatim (flow label, hop limit and payload length included). The TCP
/// checksum is always ours.
/// Needs CAP_NET_RAW (not full root) to open; once open, sending needs no privilege.
/// </summary>
internal sealed class RawSender : IDisposable
{
    private RawSender(FileDescriptorHandle socket) => Socket = socket;

    /// <summary>The raw socket (handed to the process that sends the retransmissions).</summary>
    public FileDescriptorHandle Socket { get; }

    /// <summary>Whether <paramref name="socket"/> is a raw IPPROTO_RAW socket (what a process that was handed one checks first).</summary>
    public static bool IsRawSocket(FileDescriptorHandle socket)
        => Interop.GetSocketOption(socket, LibC.SOL_SOCKET, LibC.SO_TYPE, "SO_TYPE") == LibC.SOCK_RAW
            && Interop.GetSocketOption(socket, LibC.SOL_SOCKET, LibC.SO_PROTOCOL, "SO_PROTOCOL") == LibC.IPPROTO_RAW;

    /// <summary>Opens the raw socket of one family; false when the process lacks CAP_NET_RAW (EPERM or EACCES).</summary>
    public static bool TryOpen(bool ipv6, [NotNullWhen(true)] out RawSender? sender)
    {
        if (Interop.TrySocket(ipv6 ? LibC.AF_INET6 : LibC.AF_INET, LibC.SOCK_RAW, LibC.IPPROTO_RAW, out var socket, out var errno))
        {
            sender = new RawSender(socket);
            return true;
        }
        sender = null;
        if (errno == LibC.EPERM || errno == LibC.EACCES)
        {
            return false;
        }
        throw Interop.Error($"socket({(ipv6 ? "AF_INET6" : "AF_INET")}, SOCK_RAW, IPPROTO_RAW)", null, errno);
    }

    /// <summary>A sender over a raw socket this process was handed already open (the retransmitting process).</summary>
    public static RawSender FromHandedOver(FileDescriptorHandle socket) => new(socket);

    /// <summary>Sends one complete IPv4 or IPv6 packet to its destination address (read from the header).</summary>
    public void Send(ReadOnlySpan<byte> packet)
    {
        HostAddress destination;
        if (packet.Length >= 20 && packet[0] >> 4 == 4)
        {
            destination = HostAddress.FromBytes(packet.Slice(16, 4));
        }
        else if (packet.Length >= 40 && packet[0] >> 4 == 6)
        {
            destination = HostAddress.FromBytes(packet.Slice(24, 16));
        }
        else
        {
            throw new ArgumentException("not an IPv4 or IPv6 packet", nameof(packet));
        }
        // The port of a raw socket's destination must be 0 (raw(7)); the TCP header carries the real one.
        var sent = Interop.SendTo(Socket, packet, destination, 0);
        if (sent != packet.Length)
        {
            throw new IOException($"sendto: sent {sent} of {packet.Length} bytes");
        }
    }

    public void Dispose() => Socket.Dispose();
}
