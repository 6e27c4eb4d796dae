namespace KnockKnock.Daemon.Firewall;

/// <summary>nftables: an opening is an element with a timeout in the set the ruleset looks up (see <see cref="NftRuleset"/>).</summary>
internal sealed class NftBackend(NftSet set, ToolRunner run) : FirewallBackend(run)
{
    // Also fails, clearly, when the set does not exist: the ruleset has to be loaded first.
    public override void Reset() => RunOrThrow(FirewallCommands.NftFlushSet(set));

    // No flush: every element carries its own timeout, so a leftover lives at most until the
    // deadline it was granted and the kernel drops it then. Only check that the set exists.
    public override IReadOnlyList<Opening> Resume(DateTimeOffset now, List<string> notes)
    {
        _ = RunOrThrow(FirewallCommands.NftListSet(set));
        return [];
    }

    public override bool TryOpen(Opening opening, out string error)
        => TryRun(FirewallCommands.NftAddElement(set, opening.Source, opening.Port, TimeSpan.FromSeconds(opening.Seconds)), out error);

    // Fails harmlessly when the first SYN consumed the element or the kernel expired it.
    public override bool TryClose(Opening opening, out string error)
        => TryRun(FirewallCommands.NftDeleteElement(set, opening.Source, opening.Port), out error);
}
