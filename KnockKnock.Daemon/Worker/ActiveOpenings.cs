using KnockKnock.Daemon.Firewall;

namespace KnockKnock.Daemon.Worker;

/// <summary>
/// The worker's state: the openings it made and one timer each that closes it when its delay
/// ends. The kernel expires openings by itself (set timeouts, --datestop); the timers only tidy up.
/// </summary>
internal sealed class ActiveOpenings(IFirewallOpenings backend)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(HostAddress Source, ushort Port), (FirewallOpening Opening, Timer Timer)> _active = [];

    public bool TryHandle(WorkerRequest request, out string error)
    {
        System.Diagnostics.Debug.Assert(request.Kind != WorkerRequestKind.Detach, "the serve loop handles detach");
        if (request.Kind == WorkerRequestKind.Flush)
        {
            try
            {
                Reset();
            }
            catch (InvalidOperationException e)
            {
                error = e.Message;
                return false;
            }
            error = "";
            return true;
        }
        lock (_gate)
        {
            // A second knock for the same source and port replaces the first (fresh delay).
            var key = (request.Source, request.Port);
            if (_active.Remove(key, out var previous))
            {
                previous.Timer.Dispose();
                _ = backend.TryClose(previous.Opening, out _);
            }
            var opening = new FirewallOpening(request.Source, request.Port, request.Seconds, DateTimeOffset.UtcNow.AddSeconds(request.Seconds));
            if (!backend.TryOpen(opening, out error))
            {
                return false;
            }
            Arm(opening, TimeSpan.FromSeconds(request.Seconds));
            return true;
        }
    }

    /// <summary>
    /// Start-up: keeps the openings an earlier worker left that are still valid (re-arming their
    /// timers) and removes the expired ones; throws if the firewall is not usable.
    /// </summary>
    public void Resume(List<string> notes)
    {
        lock (_gate)
        {
            var now = DateTimeOffset.UtcNow;
            foreach (var opening in backend.Resume(now, notes))
            {
                Arm(opening, opening.Until - now);
            }
        }
    }

    /// <summary>Forgets every opening without touching the firewall: the kernel expires them (detach).</summary>
    public void Detach()
    {
        lock (_gate)
        {
            foreach (var (_, timer) in _active.Values)
            {
                timer.Dispose();
            }
            _active.Clear();
        }
    }

    /// <summary>Removes every opening, including leftovers of earlier runs; throws if the firewall refuses.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            foreach (var (_, timer) in _active.Values)
            {
                timer.Dispose();
            }
            _active.Clear();
            backend.Reset();
        }
    }

    private void Arm(FirewallOpening opening, TimeSpan delay)
    {
        var key = (opening.Source, opening.Port);
        var timer = new Timer(_ => Expire(key, opening));
        _active[key] = (opening, timer);
        timer.Change(delay > TimeSpan.Zero ? delay : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    private void Expire((HostAddress, ushort) key, FirewallOpening opening)
    {
        lock (_gate)
        {
            if (!_active.TryGetValue(key, out var current) || current.Opening != opening)
            {
                return;
            }
            _active.Remove(key);
            current.Timer.Dispose();
            // nft: usually consumed or already expired by the kernel, so a failure means nothing.
            _ = backend.TryClose(opening, out _);
        }
    }
}
