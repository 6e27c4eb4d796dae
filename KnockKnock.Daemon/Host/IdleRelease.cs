namespace KnockKnock.Daemon.Host;

/// <summary>
/// Gives back the memory a burst of knocks left, once the burst is over: at the first status tick
/// that finds no knock since the tick before, after some knocks since the last release; and once
/// more when the openings that burst granted have all expired, since the status keeps them until
/// then and that collection promoted them to the oldest generation, which no routine collection
/// visits again. The daemon calls it with <see cref="KnockKnock.Daemon.Worker.HeapRelease.Run"/>,
/// as the worker does for its own: measured after 10,000 knocks, the daemon's managed heap kept
/// 2.6 MB it no longer used at the first, and 1.0 MB of expired openings at the second
/// (docs/PERFORMANCE.md, section 8). A flood of bogus lines allocates nothing and triggers
/// nothing. Called from one timer, whose callbacks may overlap when one takes longer than its
/// period (a slow disk under the status write): a tick that finds another still running does nothing.
/// </summary>
internal sealed class IdleRelease(Func<long> knocks, Func<int> openings, Action release)
{
    private readonly Lock _gate = new();
    private long _seen;
    private bool _pending;
    private bool _draining;

    /// <summary>
    /// One status tick: notes new knocks; or releases once when there were some and none came
    /// since; or, after that, once when the last granted opening has expired.
    /// </summary>
    public void Tick()
    {
        if (!_gate.TryEnter())
        {
            return;
        }
        try
        {
            Step();
        }
        finally
        {
            _gate.Exit();
        }
    }

    private void Step()
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
            _draining = openings() > 0;
            release();
        }
        else if (_draining && openings() == 0)
        {
            _draining = false;
            release();
        }
    }
}
