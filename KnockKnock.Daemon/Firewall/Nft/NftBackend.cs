namespace KnockKnock.Daemon.Firewall.Nft;

/// <summary>
/// nftables: openings are elements with a timeout in a set per family (default <c>inet knockknock
/// allowed</c> and <c>allowed6</c>), consumed and marked by the worker's chain; the admin's
/// drop-policy chain accepts marked connections. The worker's argv carries the set: FAMILY TABLE SET.
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

    public IReadOnlyList<UnloggedPort>? FindUnlogged(IEnumerable<ushort> knockPorts, string logPrefix, out string error)
        => FirewallTool.TryRun(NftCommands.ListRuleset(), out var ruleset, out error)
            ? LoggedPorts.Unlogged(knockPorts, NftLogRules.LoggedPorts(ruleset, logPrefix))
            : null;

    public IReadOnlyList<string> WorkerArguments(FirewallSettings settings) => [settings.NftSet.Family, settings.NftSet.Table, settings.NftSet.Set];

    public bool TryCreateOpenings(IReadOnlyList<string> arguments, Action<string> recreated, out IFirewallOpenings openings)
    {
        openings = null!;
        if (arguments is not [var family, var table, var set] || !NftSet.TryValidate(family, table, set, out _))
        {
            return false;
        }
        openings = new NftOpenings(new NftSet(family, table, set), recreated);
        return true;
    }
}
