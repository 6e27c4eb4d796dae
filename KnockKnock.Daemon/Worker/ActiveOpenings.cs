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

    /// <summary>How many openings are live (granted and not yet expired).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _active.Count;
            }
        }
    }

    /// <summary>Whether <paramref name="source"/> has a live opening for <paramref name="port"/> (a new knock replaces it).</summary>
    public bool Contains(HostAddress source, ushort port)
    {
        lock (_gate)
        {
            return _active.ContainsKey((source, port));
        }
    }

    /// <summary>Opens <paramref name="port"/> for <paramref name="source"/> for <paramref name="seconds"/>; a live opening of the same pair is replaced (fresh delay).</summary>
    public bool TryOpen(HostAddress source, ushort port, int seconds, out string error)
    {
        lock (_gate)
        {
            var key = (source, port);
            if (_active.Remove(key, out var previous))
            {
                previous.Timer.Dispose();
                _ = backend.TryClose(previous.Opening, out _);
            }
            var opening = new FirewallOpening(source, port, seconds, DateTimeOffset.UtcNow.AddSeconds(seconds));
            if (!backend.TryOpen(opening, out error))
            {
                return false;
            }
            Arm(opening, TimeSpan.FromSeconds(seconds));
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
