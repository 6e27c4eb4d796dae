namespace KnockKnock.Daemon.Firewall;

/// <summary>
/// What the root worker does to the firewall, one implementation per backend folder. It runs as
/// root on the worker's single thread (the firewall libraries' contexts are not thread-safe, and
/// each implementation refuses a second thread): command builders, a library context and the tool
/// runner, nothing that parses logs or knocks. Openings expire in the kernel (set timeouts), so no
/// process has to be alive to close one.
/// </summary>
/// <remarks>
/// What an implementation owns, it recreates when a ruleset reload removed it (its sets, its chain,
/// the jump to that chain), and reports each recreation through the callback it was created with.
/// It never recreates the admin's policy: what drops, what LOGs, what else is open.
/// </remarks>
internal interface IFirewallOpenings : IDisposable
{
    /// <summary>
    /// Start-up: creates what openings need where it is missing or differs, keeping the openings an
    /// earlier worker left (each still expires in the kernel at the deadline it was granted); throws
    /// <see cref="InvalidOperationException"/> if it cannot. <paramref name="notes"/> receives what it changed.
    /// </summary>
    void Prepare(List<string> notes);

    /// <summary>Removes every opening (flush, exit); throws <see cref="InvalidOperationException"/> if it cannot.</summary>
    void Reset();

    /// <summary>
    /// Adds one opening. When the firewall lost what openings need (noticed before the add, or by
    /// the add failing), recreates it and adds again.
    /// </summary>
    bool TryOpen(FirewallOpening opening, out string error);

    /// <summary>Removes one opening early (a new knock of the same pair replaces it); false when it was not there or the firewall failed.</summary>
    bool TryClose(FirewallOpening opening, out string error);

    /// <summary>The periodic check: recreates what openings need when it is gone; <paramref name="error"/> says why it failed.</summary>
    RepairOutcome TryRepair(out string error);

    /// <summary>
    /// At an idle moment after a burst: drops what the backend's library keeps only to be quick
    /// (libnftables' cache of the ruleset holds every element a burst added until its next
    /// command, megabytes after thousands; the nft backend unloads libnftables too). The next
    /// command builds it again.
    /// </summary>
    void ReleaseCaches();
}
