using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    public const int LOG_PID = 0x01;
    public const int LOG_DAEMON = 3 << 3;

    /// <summary>void openlog(const char *ident, int option, int facility). The ident must stay valid for the process's life: pass unmanaged memory.</summary>
    [LibraryImport("libc", EntryPoint = "openlog")]
    public static partial void OpenLog(nint ident, int option, int facility);
}
