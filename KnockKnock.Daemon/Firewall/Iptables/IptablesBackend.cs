namespace KnockKnock.Daemon.Firewall.Iptables;

/// <summary>
/// iptables (iptables-nft only), IPv4 and IPv6: openings are elements with a timeout in the ipsets
/// <c>knockknock</c> and <c>knockknock6</c>, admitted by the worker's chain KNOCKKNOCK in iptables
/// and ip6tables. The worker's argv needs nothing more than the name.
/// </summary>
internal sealed class IptablesBackend : IFirewallBackend
{
    public static IptablesBackend Instance { get; } = new();

    public string Name => "iptables";

    public string ToolPath => IptablesFamily.IPv4.Tool;

    public string Package => "iptables";

    /// <summary>
    /// Null if <c>iptables</c> and <c>ip6tables</c> drive nf_tables; else why the daemon cannot use
    /// them. The worker notices that a reload removed its chain by the nf_tables generation
    /// (<see cref="RulesetGeneration"/>); iptables-legacy (and any iptables before 1.8, which has no
    /// variant in its version line) changes x_tables, which that number does not count, so after a
    /// reload knocks would be accepted and nothing would open. (Legacy tables also rewrite the whole
    /// table for every change.)
    /// </summary>
    public string? UsabilityProblem()
    {
        foreach (var family in IptablesFamily.Both)
        {
            if (!FirewallTool.TryRun(IptablesCommands.Version(family), out var version, out var error))
            {
                return $"cannot tell which iptables {family.Tool} is: {error}";
            }
            if (!DrivesNfTables(version))
            {
                return $"{family.Tool} is not iptables-nft ({version.Trim()}): the worker could not notice a reload of legacy tables that removes its chain; "
                    + $"set firewall = nft, or switch with update-alternatives --set {Path.GetFileName(family.Tool)} {family.Tool}-nft";
            }
        }
        return null;
    }

    /// <summary>Whether an <c>iptables --version</c> line names the nf_tables variant.</summary>
    public static bool DrivesNfTables(string version) => version.Contains("(nf_tables)", StringComparison.Ordinal);

    public string Ruleset(IReadOnlyCollection<ushort> knockPorts, string logPrefix, FirewallSettings settings)
        => IptablesRuleset.Text(knockPorts, logPrefix);

    public IReadOnlyList<UnloggedPort>? FindUnlogged(IEnumerable<ushort> knockPorts, string logPrefix, out string error)
    {
        var logged = new HashSet<(ushort, IpFamily)>();
        foreach (var family in IptablesFamily.Both)
        {
            if (!FirewallTool.TryRun(IptablesCommands.SaveFilter(family), out var save, out error))
            {
                return null;
            }
            IptablesLogRules.AddLoggedPorts(logged, save, logPrefix, family.Family);
        }
        error = "";
        return LoggedPorts.Unlogged(knockPorts, logged);
    }

    public IReadOnlyList<string> WorkerArguments(FirewallSettings settings) => [];

    public bool TryCreateOpenings(IReadOnlyList<string> arguments, Action<string> recreated, out IFirewallOpenings openings)
    {
        openings = arguments.Count == 0 ? new IptablesOpenings(recreated) : null!;
        return arguments.Count == 0;
    }
}
