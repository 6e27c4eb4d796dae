namespace KnockKnock.Daemon.Firewall.Iptables;

/// <summary>
/// iptables, worker side (root): the worker owns chain KNOCKKNOCK, jumped to first from INPUT.
/// Opening rules go on top, each marking at most one NEW connection until its datestop; the last
/// rule accepts marked connections. Reset flushes the chain (flush, exit); at start only expired
/// leftovers go (see <see cref="IptablesLeftovers"/>), so a restart keeps the openings still valid.
/// </summary>
internal sealed class IptablesOpenings(ToolRunner run) : IFirewallOpenings
{
    public void Reset()
    {
        // -N fails when the chain exists already; -F below is what matters.
        _ = TryRun(IptablesCommands.NewChain(), out _);
        RunOrThrow(IptablesCommands.FlushChain());
        RunOrThrow(IptablesCommands.AcceptAdmitted());
        EnsureJump();
    }

    public IReadOnlyList<FirewallOpening> Resume(DateTimeOffset now, List<string> notes)
    {
        // -N fails when the chain exists already (a leftover); listing it below fails if it is missing.
        _ = TryRun(IptablesCommands.NewChain(), out _);
        var leftovers = IptablesLeftovers.Parse(RunOrThrow(IptablesCommands.ListChain()), now);
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
            notes.Add($"left alone in chain {IptablesCommands.Chain}: {line}");
        }
        // Exactly one accept rule, last (opening rules are inserted above it); the listing says whether it is.
        if (leftovers.AdmittedCount != 1 || !leftovers.AdmittedIsLast)
        {
            for (var i = 0; i < leftovers.AdmittedCount; i++)
            {
                RunOrThrow(IptablesCommands.DeleteAdmitted());
            }
            RunOrThrow(IptablesCommands.AcceptAdmitted());
        }
        EnsureJump();
        return leftovers.Live;
    }

    public bool TryOpen(FirewallOpening opening, out string error)
        => TryRun(IptablesCommands.InsertOpening(opening.Source, opening.Port, opening.Until), out error);

    public bool TryClose(FirewallOpening opening, out string error)
        => TryRun(IptablesCommands.DeleteOpening(opening.Source, opening.Port, opening.Until), out error);

    private void EnsureJump()
    {
        if (!TryRun(IptablesCommands.CheckJump(), out _))
        {
            RunOrThrow(IptablesCommands.InsertJump());
        }
    }

    private bool TryRun(string[] argv, out string error) => run(argv, out _, out error);

    private string RunOrThrow(string[] argv)
        => run(argv, out var output, out var error) ? output : throw new InvalidOperationException($"{string.Join(' ', argv)}: {error}");
}
