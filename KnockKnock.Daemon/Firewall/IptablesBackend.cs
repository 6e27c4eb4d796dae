namespace KnockKnock.Daemon.Firewall;

/// <summary>
/// iptables: the worker owns chain KNOCKKNOCK, jumped to first from INPUT. Opening rules go on
/// top, each marking at most one NEW connection until its datestop; the last rule accepts marked
/// connections. Reset flushes the chain, so leftovers of any earlier run are gone.
/// </summary>
internal sealed class IptablesBackend(ToolRunner run) : FirewallBackend(run)
{
    public override void Reset()
    {
        // -N fails when the chain exists already; -F below is what matters.
        _ = Run(FirewallCommands.IptablesNewChain(), out _);
        RunOrThrow(FirewallCommands.IptablesFlushChain());
        RunOrThrow(FirewallCommands.IptablesAcceptAdmitted());
        if (!Run(FirewallCommands.IptablesCheckJump(), out _))
        {
            RunOrThrow(FirewallCommands.IptablesInsertJump());
        }
    }

    public override bool TryOpen(Opening opening, out string error)
        => Run(FirewallCommands.IptablesInsertOpening(opening.Source, opening.Port, opening.Until), out error);

    public override bool TryClose(Opening opening, out string error)
        => Run(FirewallCommands.IptablesDeleteOpening(opening.Source, opening.Port, opening.Until), out error);
}
