namespace KnockKnock.Daemon.Log;

/// <summary>A blocking reader of kernel log messages, run on a dedicated thread.</summary>
internal interface ILogSource : IDisposable
{
    /// <summary>Messages known to be lost: kmsg ring-buffer overruns, over-long or cut file lines, records journald missed.</summary>
    long LinesLost { get; }

    /// <summary>The source's own counters, as one line for <c>status</c> (e.g. <c>ring overruns 0, ...</c>).</summary>
    string Counters { get; }

    /// <summary>
    /// Where the source stands: just after the last record it read, in the form <see cref="Resume"/>
    /// takes (one line of printable ASCII, see <see cref="PositionFile"/>); null when it cannot tell
    /// yet. Only on the thread that runs the source.
    /// </summary>
    string? Position { get; }

    /// <summary>
    /// Moves the source to just after the record <paramref name="saved"/> (a <see cref="Position"/>
    /// of an earlier run) names, so that what was logged while no daemon read the log is read first,
    /// each record with its age (<see cref="LineHandler"/>). Null, or a position that is not this
    /// source's, leaves it at the end of the log, where it was opened. Call at most once, before
    /// <see cref="Run"/>, on the thread that will run it. Says what it did, in one line for the log.
    /// </summary>
    Resumption Resume(string? saved);

    /// <summary>
    /// Reads and hands each message to <paramref name="handler"/> on the calling thread until
    /// <paramref name="cancellationToken"/> is cancelled or the source is disposed (either is noticed
    /// within about 100 ms), then returns. Environment failures (an unreadable file, a failed read)
    /// throw <see cref="IOException"/>; an exception from the handler propagates. One caller at a time.
    /// </summary>
    void Run(LineHandler handler, CancellationToken cancellationToken);
}
