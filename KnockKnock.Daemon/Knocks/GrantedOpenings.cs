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

    /// <summary>The openings that have not expired at <paramref name="now"/>; expired ones are forgotten.</summary>
    public IReadOnlyList<GrantedOpening> Current(DateTimeOffset now)
    {
        lock (_gate)
        {
            _openings.RemoveAll(o => o.Until <= now);
            return [.. _openings];
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
