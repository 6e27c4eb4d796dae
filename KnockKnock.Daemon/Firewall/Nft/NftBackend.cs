namespace KnockKnock.Daemon.Firewall.Nft;

/// <summary>
/// nftables: openings are elements with a timeout in a set (default <c>inet knockknock allowed</c>)
/// that the admin's drop-policy chain looks up. The worker's argv carries the set: FAMILY TABLE SET.
/// </summary>
internal sealed class NftBackend : IFirewallBackend
{
    public static NftBackend Instance { get; } = new();

    public string Name => "nft";

    public string ToolPath => NftCommands.NftPath;

    public string Package => "nftables";

    public string? UsabilityProblem() => null;

    public string Ruleset(IReadOnlyCollection<ushort> knockPorts, string logPrefix, FirewallSettings settings)
        => NftRuleset.Text(knockPorts, logPrefix, settings.NftSet);

    public IReadOnlyList<ushort>? FindUnlogged(IEnumerable<ushort> knockPorts, string logPrefix, out string error)
        => LoggedPorts.FindUnlogged(NftCommands.ListRuleset(), ruleset => NftLogRules.LoggedPorts(ruleset, logPrefix), knockPorts, out error);

    public IReadOnlyList<string> WorkerArguments(FirewallSettings settings) => [settings.NftSet.Family, settings.NftSet.Table, settings.NftSet.Set];

    public bool TryCreateOpenings(IReadOnlyList<string> arguments, ToolRunner run, out IFirewallOpenings openings)
    {
        openings = null!;
        if (arguments is not [var family, var table, var set] || !NftSet.TryValidate(family, table, set, out _))
        {
            return false;
        }
        openings = new NftOpenings(new NftSet(family, table, set), run);
        return true;
    }
}
