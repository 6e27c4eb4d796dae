using System.Net;
using System.Net.Sockets;
using KnockKnock.Crypto.Protocol;

namespace KnockKnock.Client;

/// <summary>
/// Turns HOST (an address or a name) into the addresses a connection to it would try, in the order
/// it would try them: getaddrinfo's, which sorts by RFC 6724 as /etc/gai.conf configures (ssh, curl
/// and the rest go down this list and use the first address that connects).
/// </summary>
internal static class HostResolver
{
    /// <summary>HOST's addresses of <paramref name="family"/> (null: both), in connection order; never empty.</summary>
    public static IReadOnlyList<HostAddress> Resolve(string host, KnockFamily? family)
    {
        if (IPAddress.TryParse(host, out var literal))
        {
            var address = HostAddress.FromIPAddress(literal);
            return family is null || address.IsIPv4 == (family == KnockFamily.IPv4)
                ? [address]
                : throw KnockKnockException.Usage($"{host} is an {(address.IsIPv4 ? "IPv4" : "IPv6")} address, but {Flag(family.Value)} asks for {family}");
        }
        IPAddress[] addresses;
        try
        {
            addresses = Dns.GetHostAddresses(host, family switch
            {
                KnockFamily.IPv4 => AddressFamily.InterNetwork,
                KnockFamily.IPv6 => AddressFamily.InterNetworkV6,
                _ => AddressFamily.Unspecified,
            });
        }
        catch (SocketException e)
        {
            throw KnockKnockException.Failure($"cannot resolve {host}: {e.Message}");
        }
        var result = addresses
            .Where(a => a.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
            .Select(HostAddress.FromIPAddress)
            .ToList();
        return result.Count > 0
            ? result
            : throw KnockKnockException.Failure($"cannot resolve {host}: it has no {(family is null ? "" : family + " ")}address");
    }

    /// <summary>The command-line flag that selects a family.</summary>
    public static string Flag(KnockFamily family) => family == KnockFamily.IPv4 ? "-4" : "-6";
}
