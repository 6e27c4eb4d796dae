namespace KnockKnock.Daemon.Host;

/// <summary>
/// Gives back the memory a burst of knocks left, once the burst is over: at the first status tick
/// that finds no knock since the tick before, after some knocks since the last release. The daemon
/// calls it with <see cref="KnockKnock.Daemon.Worker.HeapRelease.Run"/>, as the worker does for its own: measured
/// after 10,000 knocks, the daemon's managed heap kept 2.6 MB it no longer used
/// (docs/PERFORMANCE.md, section 8). A flood of bogus lines allocates nothing and triggers nothing.
/// Called from one timer only.
/// </summary>
internal sealed class IdleRelease(Func<long> knocks, Action release)
{
    private long _seen;
    private bool _pending;

    /// <summary>One status tick: notes new knocks, or releases once when there were some and none came since.</summary>
    public void Tick()
    {
        var now = knocks();
        if (now != _seen)
        {
            _seen = now;
            _pending = true;
        }
        else if (_pending)
        {
            _pending = false;
            release();
        }
    }
}
