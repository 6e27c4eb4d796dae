namespace KnockKnock.Daemon.Firewall;

/// <summary>
/// Finding which knock ports a ruleset LOGs, per address family, with the daemon's prefix and both
/// TCP sequence numbers and TCP options (each backend reads its own listing: <c>nft list ruleset</c>,
/// <c>iptables-save</c> and <c>ip6tables-save</c>). Without such a rule no knock of that family
/// reaches the log: the daemon warns at start, <c>check</c> reports it, and the worker looks again
/// when the daemon has seen no knock line for long (<c>check</c> request).
/// </summary>
internal static class LoggedPorts
{
    /// <summary>The knock ports and families among <paramref name="knockPorts"/> that <paramref name="logged"/> lacks, ordered by port.</summary>
    public static IReadOnlyList<UnloggedPort> Unlogged(IEnumerable<ushort> knockPorts, IReadOnlySet<(ushort Port, IpFamily Family)> logged)
        => [.. knockPorts.Distinct().Order()
            .SelectMany(p => new[] { new UnloggedPort(p, IpFamily.IPv4), new UnloggedPort(p, IpFamily.IPv6) })
            .Where(u => !logged.Contains((u.Port, u.Family)))];

    /// <summary>Adds ports and ranges written as <c>N</c>, <c>N-M</c> (nft) or <c>N:M</c> (iptables), for each of <paramref name="families"/>.</summary>
    public static void Add(HashSet<(ushort Port, IpFamily Family)> ports, IEnumerable<string> items, IReadOnlyCollection<IpFamily> families)
    {
        foreach (var item in items)
        {
            var range = item.Split(item.Contains('-', StringComparison.Ordinal) ? '-' : ':');
            if (ushort.TryParse(range[0], out var low) && ushort.TryParse(range[^1], out var high))
            {
                for (var port = (int)low; port <= high; port++)
                {
                    foreach (var family in families)
                    {
                        ports.Add(((ushort)port, family));
                    }
                }
            }
        }
    }
}
