using System.Runtime.InteropServices;

namespace KnockKnock.Daemon;

/// <summary>
/// The daemon's log: one line per event. In the foreground it goes to stderr (systemd's journal
/// picks it up); in the background to syslog (facility daemon, ident knockknock-daemon), and also
/// to stderr until the daemon detaches, so start-up problems reach the terminal.
/// </summary>
internal sealed class DaemonLog(Action<DaemonLogLevel, string> sink)
{
    public const string Ident = "knockknock-daemon";

    public static DaemonLog ToWriter(TextWriter writer) => new((level, message) => Write(writer, level, message));

    /// <summary>Syslog, plus <paramref name="untilDetached"/> while it is not null.</summary>
    public static DaemonLog ToSyslog(Func<TextWriter?> untilDetached)
    {
        // openlog keeps the pointer: the ident lives as long as the process.
        Interop.OpenLog(Marshal.StringToCoTaskMemUTF8(Ident), Interop.LOG_PID, Interop.LOG_DAEMON);
        return new((level, message) =>
        {
            Interop.Syslog(Interop.LOG_DAEMON | level switch
            {
                DaemonLogLevel.Error => Interop.LOG_ERR,
                DaemonLogLevel.Warning => Interop.LOG_WARNING,
                _ => Interop.LOG_INFO,
            }, message);
            if (untilDetached() is { } writer)
            {
                Write(writer, level, message);
            }
        });
    }

    public void Info(string message) => sink(DaemonLogLevel.Info, message);

    public void Warning(string message) => sink(DaemonLogLevel.Warning, message);

    public void Error(string message) => sink(DaemonLogLevel.Error, message);

    private static void Write(TextWriter writer, DaemonLogLevel level, string message)
    {
        lock (writer)
        {
            writer.WriteLine($"{Ident}: {LevelName(level)}{message}");
            writer.Flush();
        }
    }

    private static string LevelName(DaemonLogLevel level) => level switch
    {
        DaemonLogLevel.Warning => "warning: ",
        DaemonLogLevel.Error => "error: ",
        _ => "",
    };
}
