namespace KnockKnock.Daemon.Knocks;

/// <summary>
/// The openings the daemon asked the worker for, kept for `knockknock-daemon status`. The firewall
/// is the truth (an opening also ends early once its one connection came in); this is what was
/// granted and until when. Written by the knock thread, read by the status publisher.
/// </summary>
internal sealed class GrantedOpenings
{
    private readonly Lock _gate = new();
    private readonly List<GrantedOpening> _openings = [];

    public void Add(GrantedOpening opening)
    {
        lock (_gate)
        {
            _openings.RemoveAll(o => o.Source == opening.Source && o.Port == opening.Port);
            _openings.Add(opening);
        }
    }

    /// <summary>
    /// How many openings have not expired at <paramref name="now"/>, and the latest
    /// <paramref name="limit"/> of them, oldest first; expired ones are forgotten, and the list
    /// gives back its room once a burst of openings is over.
    /// </summary>
    public (int Count, IReadOnlyList<GrantedOpening> Latest) Current(DateTimeOffset now, int limit)
    {
        lock (_gate)
        {
            _openings.RemoveAll(o => o.Until <= now);
            if (_openings.Count < _openings.Capacity / 4)
            {
                _openings.TrimExcess();
            }
            var skip = Math.Max(0, _openings.Count - limit);
            return (_openings.Count, _openings.GetRange(skip, _openings.Count - skip));
        }
    }

    /// <summary>How many openings it holds: those not expired at the last <see cref="Current"/>, and any added since.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _openings.Count;
            }
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _openings.Clear();
        }
    }
}
