namespace KnockKnock.Daemon.Firewall;

/// <summary>
/// iptables: the worker owns chain KNOCKKNOCK, jumped to first from INPUT. Opening rules go on
/// top, each marking at most one NEW connection until its datestop; the last rule accepts marked
/// connections. Reset flushes the chain (flush, exit); at start only expired leftovers go (see
/// <see cref="IptablesLeftovers"/>), so a restart keeps the openings still valid.
/// </summary>
internal sealed class IptablesBackend(ToolRunner run) : FirewallBackend(run)
{
    /// <summary>
    /// Null if <c>iptables</c> drives nf_tables; else why the daemon cannot use it. iptables-legacy
    /// (and any iptables before 1.8, which has no variant in its version line) rewrites the whole
    /// table for every rule it adds or deletes, and the kernel then starts every rule's
    /// <c>-m limit</c> afresh: each knock would put back the one-connection token of every opening
    /// still running, so one knock could admit more than one connection.
    /// </summary>
    public static string? VariantProblem()
    {
        if (!FirewallTool.TryRun(FirewallCommands.IptablesVersion(), out var version, out var error))
        {
            return $"cannot tell which iptables {FirewallCommands.IptablesPath} is: {error}";
        }
        return DrivesNfTables(version)
            ? null
            : $"{FirewallCommands.IptablesPath} is not iptables-nft ({version.Trim()}): with legacy tables every rule change gives each opening its one connection back; set firewall = nft, or switch with update-alternatives --set iptables /usr/sbin/iptables-nft";
    }

    /// <summary>Whether an <c>iptables --version</c> line names the nf_tables variant.</summary>
    public static bool DrivesNfTables(string version) => version.Contains("(nf_tables)", StringComparison.Ordinal);

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
