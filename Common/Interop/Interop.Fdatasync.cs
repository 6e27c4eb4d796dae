using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>int fdatasync(int fd): the data and what is needed to read it back, not the timestamps.</summary>
    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int FdatasyncNative(FileDescriptorHandle fd);

    /// <summary>fdatasync; false with errno when the data could not be made durable (EIO, ENOSPC on some file systems).</summary>
    public static bool TryFdatasync(FileDescriptorHandle fd, out int errno)
    {
        var ok = FdatasyncNative(fd) == 0;
        errno = ok ? 0 : Marshal.GetLastPInvokeError();
        return ok;
    }
}
