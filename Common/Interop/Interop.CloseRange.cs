using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    private const int CLOSE_RANGE_CLOEXEC = 1 << 2;

    /// <summary>int close_range(unsigned int first, unsigned int last, int flags) (Linux 5.11)</summary>
    [LibraryImport("libc", EntryPoint = "close_range", SetLastError = true)]
    private static partial int CloseRangeNative(uint first, uint last, int flags);

    /// <summary>
    /// Marks every open descriptor from <paramref name="first"/> up close-on-exec, also those a
    /// library opened without it (libnftables' and libipset's netlink sockets).
    /// </summary>
    public static void SetCloseOnExecFrom(int first) => Check(CloseRangeNative(checked((uint)first), uint.MaxValue, CLOSE_RANGE_CLOEXEC), "close_range");
}
