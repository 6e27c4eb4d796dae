namespace KnockKnock.Daemon.Firewall;

/// <summary>What <see cref="IFirewallOpenings.TryRepair"/> found.</summary>
internal enum RepairOutcome
{
    /// <summary>Everything openings need was there.</summary>
    Intact,

    /// <summary>Something was gone or changed (a ruleset reload) and is back now.</summary>
    Recreated,

    /// <summary>It could not be checked or put back.</summary>
    Failed,
}
