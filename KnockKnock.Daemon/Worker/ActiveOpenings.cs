using KnockKnock.Daemon.Firewall;

namespace KnockKnock.Daemon.Worker;

/// <summary>
/// The openings this worker granted, by deadline, for its caps and for replacing a live opening.
/// The firewall closes each one by itself (set timeouts in the kernel), so nothing here has to run
/// when a deadline passes: expired entries are dropped whenever the list is looked at. No timer and
/// no second thread: everything runs on the worker's one thread, which alone may use the
/// firewall's library context.
/// </summary>
internal sealed class ActiveOpenings(IFirewallOpenings backend, TimeProvider time)
{
    private readonly Dictionary<(HostAddress Source, ushort Port), DateTimeOffset> _live = [];

    // Every opening lasts the worker's one delay, so deadlines arrive in the order openings were made.
    private readonly Queue<((HostAddress Source, ushort Port) Key, DateTimeOffset Until)> _deadlines = new();

    /// <summary>How many openings are live (granted and not yet expired).</summary>
    public int Count
    {
        get
        {
            Prune();
            return _live.Count;
        }
    }

    /// <summary>Whether <paramref name="source"/> has a live opening for <paramref name="port"/> (a new knock replaces it).</summary>
    public bool Contains(HostAddress source, ushort port)
    {
        Prune();
        return _live.ContainsKey((source, port));
    }

    /// <summary>
    /// Forgets the expired openings now and gives back the room a burst of them took, here and in
    /// the backend's library (the worker calls it when idle, before it trims its heaps).
    /// </summary>
    public void Compact()
    {
        Prune();
        _live.TrimExcess();
        _deadlines.TrimExcess();
        backend.ReleaseCaches();
    }

    /// <summary>Opens <paramref name="port"/> for <paramref name="source"/> for <paramref name="seconds"/>; a live opening of the same pair is replaced (fresh delay).</summary>
    public bool TryOpen(HostAddress source, ushort port, int seconds, out string error)
    {
        Prune();
        var key = (source, port);
        var now = time.GetUtcNow();
        if (_live.Remove(key, out var until))
        {
            // nft keeps an element's deadline when it is added again: remove it first. It fails
            // harmlessly when the first SYN consumed the element already.
            _ = backend.TryClose(new FirewallOpening(source, port, seconds, until), out _);
        }
        var opening = new FirewallOpening(source, port, seconds, now.AddSeconds(seconds));
        if (!backend.TryOpen(opening, out error))
        {
            return false;
        }
        _live[key] = opening.Until;
        _deadlines.Enqueue((key, opening.Until));
        return true;
    }

    /// <summary>
    /// Start-up: sets up what openings need; the openings an earlier worker left stay (each expires
    /// in the kernel at the deadline it was granted). Throws if the firewall is not usable.
    /// </summary>
    public void Prepare(List<string> notes) => backend.Prepare(notes);

    /// <summary>Forgets every opening without touching the firewall: the kernel expires them (detach).</summary>
    public void Detach() => Clear();

    /// <summary>Removes every opening, including those of earlier runs; throws if the firewall refuses.</summary>
    public void Reset()
    {
        Clear();
        backend.Reset();
    }

    private void Clear()
    {
        _live.Clear();
        _deadlines.Clear();
    }

    private void Prune()
    {
        var now = time.GetUtcNow();
        while (_deadlines.TryPeek(out var next) && next.Until <= now)
        {
            _deadlines.Dequeue();
            // A replaced opening left its old deadline in the queue: only the current one counts.
            if (_live.TryGetValue(next.Key, out var until) && until == next.Until)
            {
                _live.Remove(next.Key);
            }
        }
    }
}
