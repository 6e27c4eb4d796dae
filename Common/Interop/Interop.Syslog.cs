using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    public const int LOG_ERR = 3;
    public const int LOG_WARNING = 4;
    public const int LOG_INFO = 6;

    /// <summary>void syslog(int priority, const char *format, ...), always with the format "%s", so the message is never read as a format.</summary>
    [LibraryImport("libc", EntryPoint = "syslog", StringMarshalling = StringMarshalling.Utf8)]
    private static partial void SyslogNative(int priority, string format, string message);

    public static void Syslog(int priority, string message) => SyslogNative(priority, "%s", message);
}
