namespace KnockKnock.Daemon.Log;

/// <summary>A blocking reader of kernel log messages, run on a dedicated thread.</summary>
internal interface ILogSource : IDisposable
{
    /// <summary>Messages known to be lost: kmsg ring-buffer overruns, over-long or cut file lines.</summary>
    long LinesLost { get; }

    /// <summary>The source's own counters, as one line for <c>status</c> (e.g. <c>ring overruns 0, ...</c>).</summary>
    string Counters { get; }

    /// <summary>
    /// Reads and hands each message to <paramref name="handler"/> on the calling thread until
    /// <paramref name="cancellationToken"/> is cancelled or the source is disposed (either is noticed
    /// within about 100 ms), then returns. Environment failures (an unreadable file, a failed read)
    /// throw <see cref="IOException"/>; an exception from the handler propagates. One caller at a time.
    /// </summary>
    void Run(LineHandler handler, CancellationToken cancellationToken);
}
