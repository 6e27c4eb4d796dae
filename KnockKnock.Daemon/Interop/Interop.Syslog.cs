using System.Runtime.InteropServices;

namespace KnockKnock.Daemon;

internal static partial class Interop
{
    public const int LOG_PID = 0x01;
    public const int LOG_DAEMON = 3 << 3;
    public const int LOG_ERR = 3;
    public const int LOG_WARNING = 4;
    public const int LOG_INFO = 6;

    /// <summary>openlog(3). The ident must stay valid for the process's life: pass unmanaged memory.</summary>
    [LibraryImport("libc", EntryPoint = "openlog")]
    public static partial void OpenLog(nint ident, int option, int facility);

    /// <summary>syslog(3) with a fixed "%s" format, so the message is never read as a format.</summary>
    [LibraryImport("libc", EntryPoint = "syslog", StringMarshalling = StringMarshalling.Utf8)]
    private static partial void SyslogNative(int priority, string format, string message);

    public static void Syslog(int priority, string message) => SyslogNative(priority, "%s", message);
}
