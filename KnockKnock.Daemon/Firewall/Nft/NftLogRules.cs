namespace KnockKnock.Daemon.Firewall.Nft;

/// <summary>Reads <c>nft list ruleset</c> for the knock ports it LOGs (see <see cref="LoggedPorts"/>).</summary>
internal static class NftLogRules
{
    /// <summary>Ports of nft rules that say `log prefix "PREFIX" ... flags tcp sequence` with `tcp dport N` or `tcp dport { N, M }`.</summary>
    public static HashSet<ushort> LoggedPorts(string ruleset, string logPrefix)
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
            Firewall.LoggedPorts.Add(ports, list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        }
        return ports;
    }
}
