namespace KnockKnock.Daemon.Firewall;

/// <summary>
/// What the root worker does to the firewall, one implementation per backend folder. This side
/// runs as root: it holds only argv builders and the runner, nothing that parses logs or knocks.
/// </summary>
internal interface IFirewallOpenings
{
    /// <summary>Removes every opening (flush, exit) and sets up what openings need; throws if it cannot.</summary>
    void Reset();

    /// <summary>
    /// Start-up: sets up what openings need, removes what earlier runs left that has expired, and
    /// returns the openings still valid (the caller re-arms their close timers); throws if it
    /// cannot. <paramref name="notes"/> receives what it found but left alone.
    /// </summary>
    IReadOnlyList<FirewallOpening> Resume(DateTimeOffset now, List<string> notes);

    bool TryOpen(FirewallOpening opening, out string error);

    /// <summary>Best effort: the kernel expires the opening anyway; false when the tool failed.</summary>
    bool TryClose(FirewallOpening opening, out string error);
}
