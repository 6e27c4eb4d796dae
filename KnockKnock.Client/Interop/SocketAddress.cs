using System.Buffers.Binary;
using Tmds.Linux;

namespace KnockKnock.Client;

/// <summary>Converts between host-order IPv4 values and <c>struct sockaddr_in</c> (network order).</summary>
internal static class SocketAddress
{
    public static unsafe socklen_t Size => sizeof(sockaddr_in);

    public static unsafe sockaddr_in Create(uint address, ushort port)
    {
        var result = new sockaddr_in
        {
            sin_family = LibC.AF_INET,
            // sin_port holds the port in network order.
            sin_port = BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(port) : port,
        };
        BinaryPrimitives.WriteUInt32BigEndian(new Span<byte>(&result.sin_addr, 4), address);
        return result;
    }

    public static unsafe uint GetAddress(in sockaddr_in socketAddress)
    {
        fixed (sockaddr_in* pointer = &socketAddress)
        {
            return BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(&pointer->sin_addr, 4));
        }
    }
}
