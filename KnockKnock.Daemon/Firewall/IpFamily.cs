namespace KnockKnock.Daemon.Firewall;

/// <summary>An address family: each backend keeps openings and checks LOG rules per family.</summary>
internal enum IpFamily
{
    IPv4,
    IPv6,
}
