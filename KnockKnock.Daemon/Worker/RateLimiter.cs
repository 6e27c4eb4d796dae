namespace KnockKnock.Daemon.Worker;

/// <summary>
/// A token bucket: at most <c>ratePerSecond</c> grants in any second, after a burst of as many.
/// One caller at a time (the worker's serve loop).
/// </summary>
internal sealed class RateLimiter(int ratePerSecond, TimeProvider time)
{
    private readonly long _started = time.GetTimestamp();
    private double _tokens = ratePerSecond;
    private double _lastSeconds;

    /// <summary>Takes one token; false when none is left.</summary>
    public bool TryTake()
    {
        var now = time.GetElapsedTime(_started).TotalSeconds;
        _tokens = Math.Min(ratePerSecond, _tokens + ((now - _lastSeconds) * ratePerSecond));
        _lastSeconds = now;
        if (_tokens < 1)
        {
            return false;
        }
        _tokens -= 1;
        return true;
    }
}
