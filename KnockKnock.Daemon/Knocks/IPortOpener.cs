namespace KnockKnock.Daemon.Knocks;

/// <summary>What the knock processor asks of the root worker: open a port for a source, for a while.</summary>
internal interface IPortOpener
{
    /// <summary>Opens TCP <paramref name="port"/> for new connections from <paramref name="source"/> for <paramref name="seconds"/>.</summary>
    bool TryOpen(HostAddress source, ushort port, int seconds, out string error);
}
