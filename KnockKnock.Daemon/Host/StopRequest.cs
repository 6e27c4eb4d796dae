namespace KnockKnock.Daemon.Host;

/// <summary>
/// Why and whether the daemon is stopping, set from signal handlers and the worker watch: a stop
/// (exit 0), a reload (exit 75, openings kept) or a dead worker (exit 1). The first reason wins.
/// </summary>
internal sealed class StopRequest : IDisposable
{
    private const int Running = 0;
    private const int Stopping = 1;
    private const int Reloading = 2;
    private const int WorkerDied = 3;

    private readonly CancellationTokenSource _cancel = new();
    private int _reason;

    public CancellationToken Token => _cancel.Token;

    /// <summary>True when the worker should detach and leave the openings to expire (a reload with a live worker).</summary>
    public bool KeepsOpenings => Volatile.Read(ref _reason) == Reloading;

    public int ExitCode => Volatile.Read(ref _reason) switch
    {
        WorkerDied => ExitCodes.Failure,
        Reloading => ExitCodes.Reload,
        _ => ExitCodes.Ok,
    };

    public void Cancel()
    {
        Interlocked.CompareExchange(ref _reason, Stopping, Running);
        _cancel.Cancel();
    }

    public void Reload()
    {
        // Set before the cancel: the worker's exit after detach is then no crash.
        Interlocked.CompareExchange(ref _reason, Reloading, Running);
        _cancel.Cancel();
    }

    /// <summary>The worker died: true if the daemon was not stopping already (then this is the reason).</summary>
    public bool TryFail()
    {
        var failed = Interlocked.CompareExchange(ref _reason, WorkerDied, Running) == Running;
        _cancel.Cancel();
        return failed;
    }

    public void Dispose() => _cancel.Dispose();
}
