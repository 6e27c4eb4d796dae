using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>off_t lseek(int fd, off_t offset, int whence); off_t is 64-bit on every 64-bit Linux.</summary>
    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    private static partial long LseekNative(FileDescriptorHandle fd, long offset, int whence);

    public static long Lseek(FileDescriptorHandle fd, long offset, int whence, string what)
        => Check(LseekNative(fd, offset, whence), "lseek", what);
}
