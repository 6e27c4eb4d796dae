using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace KnockKnock.Client.Socks;

/// <summary>Where the proxy listens: ADDR:PORT with an IPv4 address, [ADDR]:PORT with an IPv6 one (port 0: the kernel picks one).</summary>
internal readonly record struct ListenAddress(HostAddress Address, ushort Port)
{
    public static readonly ListenAddress Default = new(HostAddress.IPv4Loopback, 1080);

    /// <summary>Loopback only: 127.0.0.0/8 or ::1.</summary>
    public bool IsLoopback => IPAddress.IsLoopback(Address.ToIPAddress());

    /// <summary>Parses ADDR:PORT or [ADDR]:PORT (no zone, no name); false for anything else.</summary>
    public static bool TryParse(string text, out ListenAddress listen)
    {
        listen = default;
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !ushort.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port))
        {
            return false;
        }
        var host = text[..colon];
        var bracketed = host.Length > 2 && host[0] == '[' && host[^1] == ']';
        if (bracketed)
        {
            host = host[1..^1];
        }
        if (host.Contains('%', StringComparison.Ordinal) || !IPAddress.TryParse(host, out var parsed)
            || bracketed != (parsed.AddressFamily == AddressFamily.InterNetworkV6))
        {
            return false;
        }
        listen = new ListenAddress(HostAddress.FromIPAddress(parsed), port);
        return true;
    }

    public override string ToString()
        => Address.IsIPv4 ? FormattableString.Invariant($"{Address}:{Port}") : FormattableString.Invariant($"[{Address}]:{Port}");
}
