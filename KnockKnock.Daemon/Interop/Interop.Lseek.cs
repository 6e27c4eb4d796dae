using System.Runtime.InteropServices;

namespace KnockKnock.Daemon;

internal static partial class Interop
{
    /// <summary>off_t lseek(int fd, off_t offset, int whence); off_t is 64-bit on every 64-bit Linux.</summary>
    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    public static partial long Lseek(int fd, long offset, int whence);
}
