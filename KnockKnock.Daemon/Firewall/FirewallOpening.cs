namespace KnockKnock.Daemon.Firewall;

/// <summary>
/// One opening as the firewall holds it: NEW TCP connections from <see cref="Source"/> to
/// <see cref="Port"/> until <see cref="Until"/> (an nft set element, an iptables rule).
/// </summary>
internal readonly record struct FirewallOpening(HostAddress Source, ushort Port, int Seconds, DateTimeOffset Until);
