namespace KnockKnock.Daemon;

/// <summary>How bad a <see cref="DaemonLog"/> line is: syslog priority and the stderr marker follow from it.</summary>
internal enum DaemonLogLevel
{
    Info,
    Warning,
    Error,
}
