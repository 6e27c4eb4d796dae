namespace KnockKnock.Daemon.Firewall.Iptables;

/// <summary>
/// iptables (iptables-nft only): openings are rules in the daemon's own chain KNOCKKNOCK that
/// expire by <c>-m time --datestop</c>. The worker's argv needs nothing more than the name.
/// </summary>
internal sealed class IptablesBackend : IFirewallBackend
{
    public static IptablesBackend Instance { get; } = new();

    public string Name => "iptables";

    public string ToolPath => IptablesCommands.IptablesPath;

    public string Package => "iptables";

    /// <summary>
    /// Null if <c>iptables</c> drives nf_tables; else why the daemon cannot use it. iptables-legacy
    /// (and any iptables before 1.8, which has no variant in its version line) rewrites the whole
    /// table for every rule it adds or deletes, and the kernel then starts every rule's
    /// <c>-m limit</c> afresh: each knock would put back the one-connection token of every opening
    /// still running, so one knock could admit more than one connection.
    /// </summary>
    public string? UsabilityProblem()
    {
        if (!FirewallTool.TryRun(IptablesCommands.Version(), out var version, out var error))
        {
            return $"cannot tell which iptables {IptablesCommands.IptablesPath} is: {error}";
        }
        return DrivesNfTables(version)
            ? null
            : $"{IptablesCommands.IptablesPath} is not iptables-nft ({version.Trim()}): with legacy tables every rule change gives each opening its one connection back; set firewall = nft, or switch with update-alternatives --set iptables /usr/sbin/iptables-nft";
    }

    /// <summary>Whether an <c>iptables --version</c> line names the nf_tables variant.</summary>
    public static bool DrivesNfTables(string version) => version.Contains("(nf_tables)", StringComparison.Ordinal);

    public string Ruleset(IReadOnlyCollection<ushort> knockPorts, string logPrefix, FirewallSettings settings)
        => IptablesRuleset.Text(knockPorts, logPrefix);

    public IReadOnlyList<ushort>? FindUnlogged(IEnumerable<ushort> knockPorts, string logPrefix, out string error)
        => LoggedPorts.FindUnlogged(IptablesCommands.SaveFilter(), ruleset => IptablesLogRules.LoggedPorts(ruleset, logPrefix), knockPorts, out error);

    public IReadOnlyList<string> WorkerArguments(FirewallSettings settings) => [];

    public bool TryCreateOpenings(IReadOnlyList<string> arguments, ToolRunner run, out IFirewallOpenings openings)
    {
        openings = arguments.Count == 0 ? new IptablesOpenings(run) : null!;
        return arguments.Count == 0;
    }
}
