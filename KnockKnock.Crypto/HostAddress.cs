using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace KnockKnock;

/// <summary>
/// A host address, IPv4 or IPv6, as one small value (as wireguard-go uses netip.Addr): what the
/// kernel log names as SRC=, what a knock may bind, what the worker opens for, what the client
/// sends from and to. The one address type from the log parser down to the firewall argv.
/// </summary>
/// <remarks>
/// Two text forms, each with one parser and one formatter:
/// <list type="bullet">
/// <item>the kernel's (<see cref="TryParseKernel"/>, zero allocation): <c>%pI4</c>, a dotted quad
///   without leading zeros, and <c>%pI6</c>, eight groups of exactly four lower-case hex digits
///   (<c>2001:0db8:0000:0000:0000:0000:0000:0001</c>), as netfilter's LOG prints them;</item>
/// <item>the canonical one (<see cref="ToString"/>, <see cref="TryParse"/>): a dotted quad, or
///   RFC 5952 IPv6 (<c>2001:db8::1</c>), which nft, iptables and ip6tables take and print. The
///   parser accepts a text only if formatting it again gives the same text, so every address has
///   exactly one accepted spelling.</item>
/// </list>
/// </remarks>
public readonly struct HostAddress : IEquatable<HostAddress>
{
    private const byte V4 = 4;
    private const byte V6 = 6;

    private readonly ulong _high;
    private readonly ulong _low;
    private readonly byte _family;

    private HostAddress(ulong high, ulong low, byte family) => (_high, _low, _family) = (high, low, family);

    /// <summary>127.0.0.1.</summary>
    public static HostAddress IPv4Loopback => new(0, 0x7F000001, V4);

    /// <summary>::1.</summary>
    public static HostAddress IPv6Loopback => new(0, 1, V6);

    /// <summary>True for an IPv4 address; false for IPv6 (and for <c>default</c>, which is neither).</summary>
    public bool IsIPv4 => _family == V4;

    /// <summary>True for an IPv6 address.</summary>
    public bool IsIPv6 => _family == V6;

    /// <summary>4 or 16: the size of the address on the wire.</summary>
    public int Length => _family == V4 ? 4 : 16;

    /// <summary>An address from its network-order bytes (4 or 16).</summary>
    public static HostAddress FromBytes(ReadOnlySpan<byte> bytes) => bytes.Length switch
    {
        4 => new HostAddress(0, BinaryPrimitives.ReadUInt32BigEndian(bytes), V4),
        16 => new HostAddress(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]), V6),
        _ => throw new ArgumentException("an address has 4 or 16 bytes", nameof(bytes)),
    };

    /// <summary>The address of an <see cref="IPAddress"/> of family InterNetwork or InterNetworkV6 (without a scope).</summary>
    public static HostAddress FromIPAddress(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        if (address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6) || !address.TryWriteBytes(bytes, out var written))
        {
            throw new ArgumentException($"not an IPv4 or IPv6 address: {address}", nameof(address));
        }
        return FromBytes(bytes[..written]);
    }

    /// <summary>Writes the network-order bytes (<see cref="Length"/> of them).</summary>
    public void WriteBytes(Span<byte> destination)
    {
        if (_family == V4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)_low);
            return;
        }
        BinaryPrimitives.WriteUInt64BigEndian(destination, _high);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _low);
    }

    public IPAddress ToIPAddress()
    {
        Span<byte> bytes = stackalloc byte[16];
        WriteBytes(bytes);
        return new IPAddress(bytes[..Length]);
    }

    /// <summary>
    /// True for an address one host can have and a knock can come from: not unspecified, loopback,
    /// multicast, broadcast or reserved (IPv4 0/8, 127/8, 224/4, 240/4; IPv6 ::, ::1, ff00::/8 and
    /// the IPv4-mapped ::ffff:0:0/96, which would name an IPv4 host in the IPv6 table).
    /// </summary>
    public bool IsUnicastHost
    {
        get
        {
            if (_family == V4)
            {
                var first = (uint)_low >> 24;
                return first is not (0 or 127) && first < 224;
            }
            if (_family != V6 || _high >> 56 == 0xff)
            {
                return false;
            }
            return _high != 0 || (_low > 1 && _low >> 32 != 0xffff);
        }
    }

    /// <summary>
    /// Parses an address as the kernel prints it (see the remarks): a strict dotted quad or a fully
    /// expanded lower-case IPv6. No allocation; false for anything else.
    /// </summary>
    public static bool TryParseKernel(ReadOnlySpan<byte> text, out HostAddress address)
    {
        address = default;
        if (text.Length == 39)
        {
            return TryParseExpandedIPv6(text, out address);
        }
        if (!TryParseDottedQuad(text, out var value))
        {
            return false;
        }
        address = new HostAddress(0, value, V4);
        return true;
    }

    /// <summary>Parses the canonical text (see the remarks); false for any other spelling.</summary>
    public static bool TryParse(string? text, out HostAddress address)
    {
        address = default;
        if (string.IsNullOrEmpty(text) || text.Length > 45)
        {
            return false;
        }
        if (!text.Contains(':', StringComparison.Ordinal))
        {
            if (!TryParseDottedQuad(System.Text.Encoding.ASCII.GetBytes(text), out var value) || text.Any(c => c > '~'))
            {
                return false;
            }
            address = new HostAddress(0, value, V4);
            return true;
        }
        if (!IPAddress.TryParse(text, out var parsed) || parsed.AddressFamily != AddressFamily.InterNetworkV6 || parsed.ScopeId != 0)
        {
            return false;
        }
        address = FromIPAddress(parsed);
        return address.ToString() == text;
    }

    /// <summary>The canonical text: a dotted quad, or RFC 5952 IPv6.</summary>
    public override string ToString() => _family switch
    {
        V4 => $"{_low >> 24 & 0xff}.{_low >> 16 & 0xff}.{_low >> 8 & 0xff}.{_low & 0xff}",
        V6 => ToIPAddress().ToString(),
        _ => "(none)",
    };

    public bool Equals(HostAddress other) => _high == other._high && _low == other._low && _family == other._family;

    public override bool Equals(object? obj) => obj is HostAddress other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_high, _low, _family);

    public static bool operator ==(HostAddress left, HostAddress right) => left.Equals(right);

    public static bool operator !=(HostAddress left, HostAddress right) => !left.Equals(right);

    /// <summary>Four decimal octets 0-255 without leading zeros, as %pI4 and the canonical form write them.</summary>
    private static bool TryParseDottedQuad(ReadOnlySpan<byte> text, out ulong value)
    {
        value = 0;
        for (var i = 0; i < 4; i++)
        {
            var dot = text.IndexOf((byte)'.');
            if ((i < 3) != (dot >= 0))
            {
                return false;
            }
            var part = i < 3 ? text[..dot] : text;
            text = i < 3 ? text[(dot + 1)..] : default;
            if (part.IsEmpty || part.Length > 3 || (part[0] == (byte)'0' && part.Length > 1))
            {
                return false;
            }
            uint octet = 0;
            foreach (var b in part)
            {
                var digit = unchecked((uint)(b - (byte)'0'));
                if (digit > 9)
                {
                    return false;
                }
                octet = (octet * 10) + digit;
            }
            if (octet > 255)
            {
                return false;
            }
            value = (value << 8) | octet;
        }
        return true;
    }

    /// <summary>%pI6: eight groups of four lower-case hex digits separated by ':' (39 characters).</summary>
    private static bool TryParseExpandedIPv6(ReadOnlySpan<byte> text, out HostAddress address)
    {
        address = default;
        ulong high = 0, low = 0;
        for (var group = 0; group < 8; group++)
        {
            var at = group * 5;
            if (group < 7 && text[at + 4] != (byte)':')
            {
                return false;
            }
            ulong value = 0;
            for (var i = at; i < at + 4; i++)
            {
                var b = text[i];
                uint digit = b switch
                {
                    >= (byte)'0' and <= (byte)'9' => (uint)(b - '0'),
                    >= (byte)'a' and <= (byte)'f' => (uint)(b - 'a' + 10),
                    _ => 16,
                };
                if (digit > 15)
                {
                    return false;
                }
                value = (value << 4) | digit;
            }
            if (group < 4)
            {
                high = (high << 16) | value;
            }
            else
            {
                low = (low << 16) | value;
            }
        }
        address = new HostAddress(high, low, V6);
        return true;
    }
}
