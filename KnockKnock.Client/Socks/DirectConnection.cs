using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using KnockKnock.Client.Connect;

namespace KnockKnock.Client.Socks;

/// <summary>
/// A plain connection, without a knock, for <c>socks --direct</c> and hosts without a profile: the
/// host's addresses in getaddrinfo's order (<see cref="HostResolver"/>), each tried for
/// <see cref="Timeout"/>, the first that connects wins, as any client would do it. Only unicast host
/// addresses: a name that resolves to loopback (or multicast, or unspecified) is refused like such
/// a literal address, so a SOCKS client cannot reach this host's local services through a name.
/// </summary>
internal static class DirectConnection
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static bool TryConnect(string host, ushort port, [NotNullWhen(true)] out FileDescriptorHandle? connection, out ConnectFailure failure)
    {
        var lastError = 0;
        var addresses = HostResolver.Resolve(host, null).Where(address => address.IsUnicastHost).ToList();
        if (addresses.Count == 0)
        {
            connection = null;
            failure = new ConnectFailure($"{host} resolves to no unicast host address (loopback and local addresses are not relayed)", 0);
            return false;
        }
        foreach (var address in addresses)
        {
            using var attempts = new ConnectAttempts(address, port);
            connection = attempts.Start() ?? attempts.WaitUntil(Stopwatch.GetTimestamp() + (long)(Timeout.TotalSeconds * Stopwatch.Frequency));
            if (connection is not null)
            {
                failure = default;
                return true;
            }
            lastError = attempts.LastError;
        }
        connection = null;
        failure = new ConnectFailure(
            lastError == 0
                ? $"no connection to {host} port {port} within {Timeout.TotalSeconds:F0} s"
                : $"no connection to {host} port {port}: {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(lastError)}",
            lastError);
        return false;
    }
}
