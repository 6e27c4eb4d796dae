namespace KnockKnock.Daemon.Knocks;

/// <summary>Why the daemon did not open anything for a knock-prefixed line (beyond the parser's reasons).</summary>
internal enum KnockRejection
{
    /// <summary>A well-formed line for a port that is no profile's knock port.</summary>
    UnknownKnockPort,

    /// <summary>No counter in the window matched the tag: forged, tampered, replayed or misdirected.</summary>
    BadTag,

    /// <summary>Authentic, but the profile may not open that port (the counter is consumed anyway).</summary>
    PortNotAllowed,

    /// <summary>Authentic and allowed, but the worker could not open the port.</summary>
    OpenFailed,
}
