using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace KnockKnock.Client.Socks;

/// <summary>
/// A SOCKS5 CONNECT request (RFC 1928, sections 4 and 5): VER (5) | CMD (1: CONNECT) | RSV (0) |
/// ATYP | DST.ADDR | DST.PORT, with ATYP 1 (4-byte IPv4 address), 3 (a length byte and a domain
/// name) or 4 (16-byte IPv6 address). <see cref="Host"/> is what the profile directory is named:
/// the name as given, or an address's canonical text.
/// </summary>
/// <remarks>
/// Everything else is malformed, decided as soon as the byte that makes it so has arrived, with
/// the reply the RFC names: another version or a nonzero RSV: X'01' (general failure); BIND,
/// UDP ASSOCIATE or any other command: X'07' (command not supported); another address type: X'08'
/// (address type not supported); an empty name, a name that is not a host name (letters, digits,
/// '-', '_', '.', not starting with '.' or '-'; or an IPv6 address without a zone), or port 0: X'01'. A name never
/// reaches the file system unchecked: it names a directory under ~/.knockknock/.
/// </remarks>
internal sealed record SocksRequest(string Host, HostAddress? Address, ushort Port)
{
    public const byte Connect = 1;
    public const byte IPv4 = 1;
    public const byte DomainName = 3;
    public const byte IPv6 = 4;

    private static readonly SearchValues<byte> s_ipv6Characters = SearchValues.Create("0123456789abcdefABCDEF:."u8);

    /// <summary>The longest request: 4 + 1 + 255 + 2.</summary>
    public const int MaximumLength = 4 + 1 + 255 + 2;

    /// <summary>
    /// Parses the request at the start of <paramref name="data"/>. Complete: the request and its
    /// <paramref name="length"/>. Malformed: the <paramref name="refusal"/> to reply with.
    /// </summary>
    public static SocksParse TryParse(ReadOnlySpan<byte> data, out SocksRequest? request, out int length, out SocksReplyCode refusal)
    {
        request = null;
        length = 0;
        refusal = SocksReplyCode.GeneralFailure;
        if (data.Length >= 1 && data[0] != SocksGreeting.Version)
        {
            return SocksParse.Malformed;
        }
        if (data.Length >= 2 && data[1] != Connect)
        {
            refusal = SocksReplyCode.CommandNotSupported;
            return SocksParse.Malformed;
        }
        if (data.Length >= 3 && data[2] != 0)
        {
            return SocksParse.Malformed;
        }
        if (data.Length < 4)
        {
            return SocksParse.Incomplete;
        }
        int addressLength;
        switch (data[3])
        {
            case IPv4:
                addressLength = 4;
                break;
            case IPv6:
                addressLength = 16;
                break;
            case DomainName when data.Length < 5:
                return SocksParse.Incomplete;
            case DomainName when data[4] == 0:
                return SocksParse.Malformed;
            case DomainName:
                addressLength = 1 + data[4];
                break;
            default:
                refusal = SocksReplyCode.AddressTypeNotSupported;
                return SocksParse.Malformed;
        }
        if (data.Length < 4 + addressLength + 2)
        {
            return SocksParse.Incomplete;
        }
        var address = data.Slice(4, addressLength);
        var port = BinaryPrimitives.ReadUInt16BigEndian(data[(4 + addressLength)..]);
        if (port == 0)
        {
            return SocksParse.Malformed;
        }
        if (data[3] == DomainName)
        {
            if (!TryReadName(address[1..], out var host, out var literal))
            {
                return SocksParse.Malformed;
            }
            request = new SocksRequest(host, literal, port);
        }
        else
        {
            var literal = HostAddress.FromBytes(address);
            request = new SocksRequest(literal.ToString(), literal, port);
        }
        length = 4 + addressLength + 2;
        return SocksParse.Complete;
    }

    /// <summary>A host name as given, or an IPv6 address (in its canonical text); IPv4 addresses are host names too.</summary>
    private static bool TryReadName(ReadOnlySpan<byte> name, out string host, out HostAddress? literal)
    {
        host = Encoding.ASCII.GetString(name);
        literal = null;
        if (name.Contains((byte)':'))
        {
            if (!name.ContainsAnyExcept(s_ipv6Characters)
                && IPAddress.TryParse(host, out var parsed) && parsed.AddressFamily == AddressFamily.InterNetworkV6 && parsed.ScopeId == 0)
            {
                literal = HostAddress.FromIPAddress(parsed);
                host = literal.Value.ToString();
                return true;
            }
            return false;
        }
        if (name[0] is (byte)'.' or (byte)'-')
        {
            return false;
        }
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit((char)c) || c is (byte)'-' or (byte)'_' or (byte)'.'))
            {
                return false;
            }
        }
        if (HostAddress.TryParse(host, out var address))
        {
            literal = address;
        }
        return true;
    }
}
