namespace KnockKnock.Daemon.Knocks;

/// <summary>Why the daemon did not open anything for a knock-prefixed line (beyond the parser's reasons).</summary>
internal enum KnockRejection
{
    /// <summary>A well-formed line for a port that is no profile's knock port.</summary>
    UnknownKnockPort,

    /// <summary>No counter in the window matched the tag: forged, tampered, replayed or misdirected.</summary>
    BadTag,

    /// <summary>Authentic, but the profile may not open that port, or it is a knock port (the counter is used up in memory only).</summary>
    PortNotAllowed,

    /// <summary>Authentic and allowed, but logged before the daemon started and longer ago than max_knock_age: read after a restart, too late to open (the counter is used up in memory only).</summary>
    TooOld,

    /// <summary>Authentic and allowed, but the worker could not store its counter (a full or failing disk): nothing opened, the knock stays valid.</summary>
    CounterNotStored,

    /// <summary>Authentic, but the worker refused it (outside its policy: should not happen with an intact daemon).</summary>
    OpenRefused,

    /// <summary>Authentic and allowed, its counter used up, but the firewall did not open.</summary>
    OpenFailed,

    /// <summary>Handling the line hit a bug in the daemon (an exception); the line was dropped and the daemon went on.</summary>
    InternalError,
}
