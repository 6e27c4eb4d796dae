namespace KnockKnock.Daemon.Worker;

/// <summary>What a <see cref="WorkerRequest"/> asks the root worker to do.</summary>
internal enum WorkerRequestKind
{
    /// <summary>Open a port for a source for a while.</summary>
    Open,

    /// <summary>Remove every opening.</summary>
    Flush,

    /// <summary>Answer, then exit 0 keeping the openings (a reload by restart).</summary>
    Detach,

    /// <summary>Report when the worker last recreated what openings need, and which knock ports lack a LOG rule.</summary>
    Check,
}
