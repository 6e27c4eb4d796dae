using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace KnockKnock.Client;

/// <summary>
/// IPv4 addresses as host-order <see cref="uint"/>s of the big-endian address (198.18.1.2 =
/// 0xC6120102), the form <c>KnockCipher.Seal</c>, the packet builder and the interop use.
/// </summary>
internal static class Ipv4Address
{
    public static uint ToUInt32(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[4];
        if (address.AddressFamily != AddressFamily.InterNetwork || !address.TryWriteBytes(bytes, out _))
        {
            throw new ArgumentException("not an IPv4 address", nameof(address));
        }
        return BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }

    public static IPAddress ToIPAddress(uint address)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, address);
        return new IPAddress(bytes);
    }
}
