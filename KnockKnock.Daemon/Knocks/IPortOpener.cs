using KnockKnock.Daemon.Worker;

namespace KnockKnock.Daemon.Knocks;

/// <summary>What the knock processor asks of the root worker: open a port for a source, for a while, for one knock.</summary>
internal interface IPortOpener
{
    /// <summary>
    /// Opens TCP <paramref name="port"/> for new connections from <paramref name="source"/> for
    /// <paramref name="seconds"/>, for the knock of <paramref name="profile"/> that used
    /// <paramref name="counter"/> (the worker stores counter+1 first). <paramref name="reason"/> says why not.
    /// </summary>
    OpenOutcome TryOpen(string profile, ulong counter, HostAddress source, ushort port, int seconds, out string reason);
}
