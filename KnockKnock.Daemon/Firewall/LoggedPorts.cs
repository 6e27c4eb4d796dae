namespace KnockKnock.Daemon.Firewall;

/// <summary>
/// Finding which knock ports a ruleset LOGs with the daemon's prefix and TCP sequence numbers
/// (each backend reads its own listing: <c>nft list ruleset</c>, <c>iptables-save</c>). Without
/// such a rule no knock reaches the log: the daemon warns at start and <c>check</c> reports it.
/// </summary>
internal static class LoggedPorts
{
    /// <summary>
    /// Runs <paramref name="listing"/> and returns the knock ports among <paramref name="knockPorts"/>
    /// that <paramref name="parse"/> does not find logged; null and an error when the listing fails.
    /// </summary>
    public static IReadOnlyList<ushort>? FindUnlogged(string[] listing, Func<string, HashSet<ushort>> parse, IEnumerable<ushort> knockPorts, out string error)
    {
        if (!FirewallTool.TryRun(listing, out var ruleset, out error))
        {
            return null;
        }
        var logged = parse(ruleset);
        return knockPorts.Where(p => !logged.Contains(p)).ToList();
    }

    /// <summary>Adds ports and ranges written as <c>N</c>, <c>N-M</c> (nft) or <c>N:M</c> (iptables).</summary>
    public static void Add(HashSet<ushort> ports, IEnumerable<string> items)
    {
        foreach (var item in items)
        {
            var range = item.Split(item.Contains('-', StringComparison.Ordinal) ? '-' : ':');
            if (ushort.TryParse(range[0], out var low) && ushort.TryParse(range[^1], out var high))
            {
                for (var port = (int)low; port <= high; port++)
                {
                    ports.Add((ushort)port);
                }
            }
        }
    }
}
