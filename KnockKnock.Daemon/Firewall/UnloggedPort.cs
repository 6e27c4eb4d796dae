namespace KnockKnock.Daemon.Firewall;

/// <summary>A knock port that no LOG rule covers for one address family: SYNs of that family to it never reach the log.</summary>
internal readonly record struct UnloggedPort(ushort Port, IpFamily Family)
{
    /// <summary>The ports with their families, for messages: <c>7000 (IPv4 and IPv6), 7001 (IPv6)</c>.</summary>
    public static string Describe(IEnumerable<UnloggedPort> ports)
        => string.Join(", ", ports.GroupBy(p => p.Port).OrderBy(g => g.Key)
            .Select(g => $"{g.Key} ({string.Join(" and ", g.Select(p => p.Family).Distinct().Order())})"));
}
