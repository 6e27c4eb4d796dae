namespace KnockKnock.Daemon.Firewall.Iptables;

/// <summary>Reads <c>iptables-save -t filter</c> for the knock ports it LOGs (see <see cref="LoggedPorts"/>).</summary>
internal static class IptablesLogRules
{
    /// <summary>Ports of iptables-save lines with `-j LOG --log-prefix "PREFIX"`, `--log-tcp-sequence` and `--dport N` or `--dports N,M`.</summary>
    public static HashSet<ushort> LoggedPorts(string ruleset, string logPrefix)
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
                    Firewall.LoggedPorts.Add(ports, words[i + 1].Split(','));
                }
            }
        }
        return ports;
    }
}
