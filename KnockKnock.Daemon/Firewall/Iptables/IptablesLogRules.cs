namespace KnockKnock.Daemon.Firewall.Iptables;

/// <summary>Reads <c>iptables-save -t filter</c> (or ip6tables-save) for the knock ports it LOGs (see <see cref="LoggedPorts"/>).</summary>
internal static class IptablesLogRules
{
    /// <summary>
    /// Ports of lines with <c>-j LOG --log-prefix "PREFIX"</c>, <c>--log-tcp-sequence</c>,
    /// <c>--log-tcp-options</c> and <c>--dport N</c> or <c>--dports N,M</c>, for the listing's family.
    /// </summary>
    public static void AddLoggedPorts(HashSet<(ushort Port, IpFamily Family)> ports, string save, string logPrefix, IpFamily family)
    {
        ArgumentNullException.ThrowIfNull(save);
        foreach (var line in save.Split('\n'))
        {
            if (!line.Contains("-j LOG", StringComparison.Ordinal)
                || !line.Contains($"--log-prefix \"{logPrefix}\"", StringComparison.Ordinal)
                || !line.Contains("--log-tcp-sequence", StringComparison.Ordinal)
                || !line.Contains("--log-tcp-options", StringComparison.Ordinal))
            {
                continue;
            }
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            for (var i = 0; i + 1 < words.Length; i++)
            {
                if (words[i] is "--dport" or "--dports")
                {
                    LoggedPorts.Add(ports, words[i + 1].Split(','), [family]);
                }
            }
        }
    }
}
