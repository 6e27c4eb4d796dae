namespace KnockKnock.Daemon.Firewall.Nft;

/// <summary>Reads <c>nft list ruleset</c> for the knock ports it LOGs, per family (see <see cref="LoggedPorts"/>).</summary>
internal static class NftLogRules
{
    private static readonly IpFamily[] s_both = [IpFamily.IPv4, IpFamily.IPv6];

    /// <summary>
    /// Ports of rules that say <c>log prefix "PREFIX" ... flags tcp sequence,options</c> (or
    /// <c>flags all</c>) with <c>tcp dport N</c> or <c>tcp dport { N, M }</c>. The families are the
    /// table's (<c>ip</c>, <c>ip6</c>; <c>inet</c> both), narrowed to one when the rule matches
    /// <c>meta nfproto ipv4|ipv6</c> or an <c>ip</c>/<c>ip6</c> address (nft prints only one of them).
    /// </summary>
    public static HashSet<(ushort Port, IpFamily Family)> LoggedPorts(string ruleset, string logPrefix)
    {
        ArgumentNullException.ThrowIfNull(ruleset);
        var ports = new HashSet<(ushort, IpFamily)>();
        IReadOnlyCollection<IpFamily> tableFamilies = [];
        foreach (var rawLine in ruleset.Split('\n'))
        {
            var line = rawLine.Trim();
            if (line.StartsWith("table ", StringComparison.Ordinal))
            {
                tableFamilies = line.Split(' ')[1] switch
                {
                    "ip" => [IpFamily.IPv4],
                    "ip6" => [IpFamily.IPv6],
                    "inet" => s_both,
                    _ => [],
                };
                continue;
            }
            if (!line.Contains($"log prefix \"{logPrefix}\"", StringComparison.Ordinal)
                || !(line.Contains("flags all", StringComparison.Ordinal) || line.Contains("flags tcp sequence,options", StringComparison.Ordinal)))
            {
                continue;
            }
            var at = line.IndexOf("tcp dport ", StringComparison.Ordinal);
            if (at < 0)
            {
                continue;
            }
            var rest = line[(at + "tcp dport ".Length)..];
            var list = rest.StartsWith('{') ? rest[1..rest.IndexOf('}', StringComparison.Ordinal)] : rest.Split(' ')[0];
            Firewall.LoggedPorts.Add(ports, list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries), Narrow(line, tableFamilies));
        }
        return ports;
    }

    private static IReadOnlyCollection<IpFamily> Narrow(string line, IReadOnlyCollection<IpFamily> families)
    {
        var v4 = line.Contains("meta nfproto ipv4", StringComparison.Ordinal) || line.Contains("ip saddr", StringComparison.Ordinal) || line.Contains("ip daddr", StringComparison.Ordinal);
        var v6 = line.Contains("meta nfproto ipv6", StringComparison.Ordinal) || line.Contains("ip6 saddr", StringComparison.Ordinal) || line.Contains("ip6 daddr", StringComparison.Ordinal);
        return v4 == v6 ? families : [.. families.Where(f => f == (v4 ? IpFamily.IPv4 : IpFamily.IPv6))];
    }
}
