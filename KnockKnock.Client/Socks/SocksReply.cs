using System.Buffers.Binary;

namespace KnockKnock.Client.Socks;

/// <summary>
/// The server's reply to a request (RFC 1928, section 6): VER | REP | RSV | ATYP | BND.ADDR |
/// BND.PORT. On success BND is the local address and port of the connection to the target; on
/// failure IPv4 0.0.0.0 port 0, and the proxy closes the connection (section 6: within 10 s).
/// </summary>
internal static class SocksReply
{
    public static byte[] Create(SocksReplyCode code, HostAddress? bound = null, ushort port = 0)
    {
        var address = bound ?? HostAddress.FromBytes([0, 0, 0, 0]);
        var reply = new byte[4 + address.Length + 2];
        reply[0] = SocksGreeting.Version;
        reply[1] = (byte)code;
        reply[3] = address.IsIPv4 ? SocksRequest.IPv4 : SocksRequest.IPv6;
        address.WriteBytes(reply.AsSpan(4));
        BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(4 + address.Length), port);
        return reply;
    }
}
