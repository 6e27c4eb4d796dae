using System.Runtime.InteropServices;

namespace KnockKnock.Daemon;

internal static partial class Interop
{
    /// <summary>int open(const char *pathname, int flags): without O_CREAT the variadic mode is not read.</summary>
    [LibraryImport("libc", EntryPoint = "open", SetLastError = true)]
    public static unsafe partial int Open(byte* path, int flags);

    /// <summary>open(2) with O_CREAT and its mode (the variadic third argument, an int on every ABI we run on).</summary>
    [LibraryImport("libc", EntryPoint = "open", SetLastError = true)]
    public static unsafe partial int Open(byte* path, int flags, uint mode);
}
