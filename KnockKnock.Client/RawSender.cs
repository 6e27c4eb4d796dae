using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using Tmds.Linux;

namespace KnockKnock.Client;

/// <summary>
/// Sends forged IPv4 packets through socket(AF_INET, SOCK_RAW, IPPROTO_RAW), which implies
/// IP_HDRINCL (raw(7)): the kernel sends our header as is, except that it always fills in the
/// total length and header checksum, and fills in the source address and the IP ID when they
/// are 0. A knock whose ID is 0 would be rewritten, so <see cref="Send"/> refuses it.
/// Needs CAP_NET_RAW (not full root).
/// </summary>
internal sealed class RawSender : IDisposable
{
    private readonly FileDescriptorHandle _socket;

    private RawSender(FileDescriptorHandle socket) => _socket = socket;

    /// <summary>Opens the raw socket; false when the process lacks CAP_NET_RAW (EPERM or EACCES).</summary>
    public static bool TryOpen([NotNullWhen(true)] out RawSender? sender)
    {
        if (Interop.TrySocket(LibC.AF_INET, LibC.SOCK_RAW, LibC.IPPROTO_RAW, out var socket, out var errno))
        {
            sender = new RawSender(socket);
            return true;
        }
        sender = null;
        if (errno == LibC.EPERM || errno == LibC.EACCES)
        {
            return false;
        }
        throw Interop.Error("socket(AF_INET, SOCK_RAW, IPPROTO_RAW)", null, errno);
    }

    /// <summary>Sends one complete IPv4 packet to its destination address (read from the header).</summary>
    public void Send(ReadOnlySpan<byte> packet)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(packet.Length, 20, nameof(packet));
        if (BinaryPrimitives.ReadUInt16BigEndian(packet[4..]) == 0)
        {
            throw new ArgumentException("an IP ID of 0 would be replaced by the kernel", nameof(packet));
        }
        var destination = HostAddress.FromBytes(packet.Slice(16, 4));
        // The port of a raw socket's destination must be 0 (raw(7)); the TCP header carries the real one.
        var sent = Interop.SendTo(_socket, packet, destination, 0);
        if (sent != packet.Length)
        {
            throw new IOException($"sendto: sent {sent} of {packet.Length} bytes");
        }
    }

    public void Dispose() => _socket.Dispose();
}
