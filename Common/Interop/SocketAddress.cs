using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Tmds.Linux;

namespace KnockKnock;

/// <summary>
/// struct sockaddr_in or sockaddr_in6 (netinet/in.h, 16 or 28 bytes) for a <see cref="HostAddress"/>
/// and a port, in network byte order: what connect, sendto and getsockname take and give.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 28)]
internal struct SocketAddress
{
    [FieldOffset(0)]
    private ushort _family;

    [FieldOffset(2)]
    private ushort _port;

    // sockaddr_in: the address at 4; sockaddr_in6: the flow info at 4, the address at 8.
    [FieldOffset(4)]
    private unsafe fixed byte _bytes[24];

    public static unsafe SocketAddress Create(HostAddress address, ushort port)
    {
        var result = new SocketAddress
        {
            _family = (ushort)(address.IsIPv4 ? LibC.AF_INET : LibC.AF_INET6),
            _port = BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(port) : port,
        };
        address.WriteBytes(new Span<byte>(result._bytes, 24)[(address.IsIPv4 ? 0 : 4)..]);
        return result;
    }

    /// <summary>The length to pass with it: sizeof(sockaddr_in) or sizeof(sockaddr_in6).</summary>
    public readonly uint Length => _family == LibC.AF_INET ? 16u : 28u;

    /// <summary>The port of a sockaddr the kernel filled in.</summary>
    public readonly ushort Port => BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(_port) : _port;

    /// <summary>The address of a sockaddr the kernel filled in.</summary>
    public readonly unsafe HostAddress Address
    {
        get
        {
            fixed (byte* bytes = _bytes)
            {
                return _family == LibC.AF_INET
                    ? HostAddress.FromBytes(new ReadOnlySpan<byte>(bytes, 4))
                    : HostAddress.FromBytes(new ReadOnlySpan<byte>(bytes + 4, 16));
            }
        }
    }
}
