namespace KnockKnock.Daemon.Service;

/// <summary>
/// The daemon's log: one line per event. In the foreground it goes to stderr (systemd's journal
/// picks it up); in the background to syslog (facility daemon).
/// </summary>
internal sealed class DaemonLog(Action<DaemonLogLevel, string> sink)
{
    public static DaemonLog ToWriter(TextWriter writer) =>
        new((level, message) =>
        {
            lock (writer)
            {
                writer.WriteLine($"knockknock-daemon: {LevelName(level)}{message}");
                writer.Flush();
            }
        });

    public void Info(string message) => sink(DaemonLogLevel.Info, message);

    public void Warning(string message) => sink(DaemonLogLevel.Warning, message);

    public void Error(string message) => sink(DaemonLogLevel.Error, message);

    private static string LevelName(DaemonLogLevel level) => level switch
    {
        DaemonLogLevel.Warning => "warning: ",
        DaemonLogLevel.Error => "error: ",
        _ => "",
    };
}

internal enum DaemonLogLevel
{
    Info,
    Warning,
    Error,
}
