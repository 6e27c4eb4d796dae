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
}
