using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>ssize_t pwrite(int fd, const void *buf, size_t count, off_t offset)</summary>
    [LibraryImport("libc", EntryPoint = "pwrite", SetLastError = true)]
    private static partial nint PwriteNative(FileDescriptorHandle fd, ReadOnlySpan<byte> buffer, nuint count, long offset);

    /// <summary>Writes all of <paramref name="buffer"/> at <paramref name="offset"/>; false with errno when it cannot (ENOSPC, EIO...).</summary>
    public static bool TryPwrite(FileDescriptorHandle fd, ReadOnlySpan<byte> buffer, long offset, out int errno)
    {
        while (!buffer.IsEmpty)
        {
            var n = PwriteNative(fd, buffer, (nuint)buffer.Length, offset);
            if (n < 0)
            {
                errno = Marshal.GetLastPInvokeError();
                if (errno == Tmds.Linux.LibC.EINTR)
                {
                    continue;
                }
                return false;
            }
            buffer = buffer[(int)n..];
            offset += n;
        }
        errno = 0;
        return true;
    }
}
