using System.Net;
using System.Net.Sockets;

namespace KnockKnock.Client;

/// <summary>Turns HOST (an IPv4 literal or a name, resolved once, IPv4 only) into an address.</summary>
internal static class HostResolver
{
    public static HostAddress Resolve(string host)
    {
        if (IPAddress.TryParse(host, out var literal))
        {
            return literal.AddressFamily == AddressFamily.InterNetwork
                ? HostAddress.FromIPAddress(literal)
                : throw KnockKnockException.Usage($"{host}: only IPv4 is supported");
        }
        IPAddress[] addresses;
        try
        {
            addresses = Dns.GetHostAddresses(host, AddressFamily.InterNetwork);
        }
        catch (SocketException e)
        {
            throw KnockKnockException.Failure($"cannot resolve {host}: {e.Message}");
        }
        return addresses.Length > 0
            ? HostAddress.FromIPAddress(addresses[0])
            : throw KnockKnockException.Failure($"cannot resolve {host}: it has no IPv4 address");
    }

}
