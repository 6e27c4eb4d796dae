namespace KnockKnock.Daemon.Firewall;

/// <summary>
/// iptables: the worker owns chain KNOCKKNOCK, jumped to first from INPUT. Opening rules go on
/// top, each marking at most one NEW connection until its datestop; the last rule accepts marked
/// connections. Reset flushes the chain (flush, exit); at start only expired leftovers go (see
/// <see cref="IptablesLeftovers"/>), so a restart keeps the openings still valid.
/// </summary>
internal sealed class IptablesBackend(ToolRunner run) : FirewallBackend(run)
{
    public override void Reset()
    {
        // -N fails when the chain exists already; -F below is what matters.
        _ = TryRun(FirewallCommands.IptablesNewChain(), out _);
        RunOrThrow(FirewallCommands.IptablesFlushChain());
        RunOrThrow(FirewallCommands.IptablesAcceptAdmitted());
        EnsureJump();
    }

    public override IReadOnlyList<Opening> Resume(DateTimeOffset now, List<string> notes)
    {
        // -N fails when the chain exists already (a leftover); listing it below fails if it is missing.
        _ = TryRun(FirewallCommands.IptablesNewChain(), out _);
        var leftovers = IptablesLeftovers.Parse(RunOrThrow(FirewallCommands.IptablesListChain()), now);
        foreach (var opening in leftovers.Expired)
        {
            // The kernel no longer matches it (datestop passed), so a failure only leaves clutter.
            if (!TryClose(opening, out var error))
            {
                notes.Add($"cannot delete an expired opening rule: {error}");
            }
        }
        foreach (var line in leftovers.Foreign)
        {
            notes.Add($"left alone in chain {FirewallCommands.IptablesChain}: {line}");
        }
        // Exactly one accept rule, last (opening rules are inserted above it); the listing says whether it is.
        if (leftovers.AdmittedCount != 1 || !leftovers.AdmittedIsLast)
        {
            for (var i = 0; i < leftovers.AdmittedCount; i++)
            {
                RunOrThrow(FirewallCommands.IptablesDeleteAdmitted());
            }
            RunOrThrow(FirewallCommands.IptablesAcceptAdmitted());
        }
        EnsureJump();
        return leftovers.Live;
    }

    public override bool TryOpen(Opening opening, out string error)
        => TryRun(FirewallCommands.IptablesInsertOpening(opening.Source, opening.Port, opening.Until), out error);

    public override bool TryClose(Opening opening, out string error)
        => TryRun(FirewallCommands.IptablesDeleteOpening(opening.Source, opening.Port, opening.Until), out error);

    private void EnsureJump()
    {
        if (!TryRun(FirewallCommands.IptablesCheckJump(), out _))
        {
            RunOrThrow(FirewallCommands.IptablesInsertJump());
        }
    }
}
