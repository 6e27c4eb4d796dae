namespace KnockKnock.Daemon.Firewall.Nft;

/// <summary>
/// nftables, worker side (root): an opening is an element with a timeout in the set the ruleset
/// looks up (see <see cref="NftRuleset"/>); the first SYN that uses it deletes it.
/// </summary>
internal sealed class NftOpenings(NftSet set, ToolRunner run) : IFirewallOpenings
{
    // Also fails, clearly, when the set does not exist: the ruleset has to be loaded first.
    public void Reset() => RunOrThrow(NftCommands.FlushSet(set));

    // No flush: every element carries its own timeout, so a leftover lives at most until the
    // deadline it was granted and the kernel drops it then. Only check that the set exists.
    public IReadOnlyList<FirewallOpening> Resume(DateTimeOffset now, List<string> notes)
    {
        RunOrThrow(NftCommands.ListSet(set));
        return [];
    }

    public bool TryOpen(FirewallOpening opening, out string error)
        => run(NftCommands.AddElement(set, opening.Source, opening.Port, TimeSpan.FromSeconds(opening.Seconds)), out _, out error);

    // Fails harmlessly when the first SYN consumed the element or the kernel expired it.
    public bool TryClose(FirewallOpening opening, out string error)
        => run(NftCommands.DeleteElement(set, opening.Source, opening.Port), out _, out error);

    private void RunOrThrow(string[] argv)
    {
        if (!run(argv, out _, out var error))
        {
            throw new InvalidOperationException($"{string.Join(' ', argv)}: {error}");
        }
    }
}
