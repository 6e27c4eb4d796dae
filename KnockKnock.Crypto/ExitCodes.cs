namespace KnockKnock;

/// <summary>The process exit codes every KnockKnock command uses (README, "Exit codes").</summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>A runtime failure: network unreachable, send failed, firewall tool failed, worker died.</summary>
    public const int Failure = 1;

    /// <summary>A user mistake: bad arguments, or a missing, broken or unsafe profile or config.</summary>
    public const int Usage = 2;

    /// <summary>The command lacks a privilege it needs (root, CAP_NET_RAW).</summary>
    public const int NoPrivilege = 3;

    /// <summary>
    /// The daemon (--foreground) exits with this on SIGHUP: it cannot re-read its root-only profiles
    /// after the privilege drop, so a reload is a restart, and the systemd unit restarts on this code
    /// (RestartForceExitStatus=75). Openings are kept across it. 75 is sysexits.h's EX_TEMPFAIL.
    /// </summary>
    public const int Reload = 75;
}
