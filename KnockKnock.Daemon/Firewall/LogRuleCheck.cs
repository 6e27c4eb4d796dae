namespace KnockKnock.Daemon.Firewall;

/// <summary>
/// Finds which knock ports the firewall LOGs with the daemon's prefix and TCP sequence numbers, by
/// reading the ruleset (nft list ruleset / iptables-save). Without such a rule no knock ever
/// reaches the log: the daemon warns at start and `knockknock-daemon check` reports it.
/// </summary>
internal static class LogRuleCheck
{
    /// <summary>The knock ports among <paramref name="knockPorts"/> that no LOG rule covers; null and an error when the ruleset cannot be read.</summary>
    public static IReadOnlyList<ushort>? FindUnlogged(FirewallKind kind, IEnumerable<ushort> knockPorts, string logPrefix, out string error)
    {
        var argv = kind == FirewallKind.Nft ? FirewallCommands.NftListRuleset() : FirewallCommands.IptablesSaveFilter();
        if (!FirewallTool.TryRun(argv, out var ruleset, out error))
        {
            return null;
        }
        var logged = kind == FirewallKind.Nft ? NftLoggedPorts(ruleset, logPrefix) : IptablesLoggedPorts(ruleset, logPrefix);
        return knockPorts.Where(p => !logged.Contains(p)).ToList();
    }

    /// <summary>Ports of nft rules that say `log prefix "PREFIX" ... flags tcp sequence` with `tcp dport N` or `tcp dport { N, M }`.</summary>
    public static HashSet<ushort> NftLoggedPorts(string ruleset, string logPrefix)
    {
        var ports = new HashSet<ushort>();
        foreach (var rawLine in ruleset.Split('\n'))
        {
            var line = rawLine.Trim();
            if (!line.Contains($"log prefix \"{logPrefix}\"", StringComparison.Ordinal) || !line.Contains("tcp sequence", StringComparison.Ordinal))
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
            AddPorts(ports, list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        }
        return ports;
    }

    /// <summary>Ports of iptables-save lines with `-j LOG --log-prefix "PREFIX"`, `--log-tcp-sequence` and `--dport N` or `--dports N,M`.</summary>
    public static HashSet<ushort> IptablesLoggedPorts(string ruleset, string logPrefix)
    {
        var ports = new HashSet<ushort>();
        foreach (var line in ruleset.Split('\n'))
        {
            if (!line.Contains("-j LOG", StringComparison.Ordinal)
                || !line.Contains($"--log-prefix \"{logPrefix}\"", StringComparison.Ordinal)
                || !line.Contains("--log-tcp-sequence", StringComparison.Ordinal))
            {
                continue;
            }
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            for (var i = 0; i + 1 < words.Length; i++)
            {
                if (words[i] is "--dport" or "--dports")
                {
                    AddPorts(ports, words[i + 1].Split(','));
                }
            }
        }
        return ports;
    }

    private static void AddPorts(HashSet<ushort> ports, IEnumerable<string> items)
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
