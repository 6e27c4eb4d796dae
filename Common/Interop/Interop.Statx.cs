using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    // linux/fcntl.h, linux/stat.h
    private const int AT_FDCWD = -100;
    private const int AT_SYMLINK_NOFOLLOW = 0x100;
    private const int AT_EMPTY_PATH = 0x1000;
    private const uint STATX_BASIC_STATS = 0x7ff;

    /// <summary>
    /// int statx(int dirfd, const char *pathname, int flags, unsigned int mask, struct statx *statxbuf).
    /// Used instead of stat, lstat and fstat: glibc exports those only since 2.33 (older ones have
    /// __xstat), while statx is exported since 2.28 and has one layout on every architecture.
    /// </summary>
    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int StatxNative(int directoryFd, string path, int flags, uint mask, out StatxBuffer buffer);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int StatxNative(FileDescriptorHandle directory, string path, int flags, uint mask, out StatxBuffer buffer);

    /// <summary>stat (or lstat, when <paramref name="followSymlinks"/> is false) of a path; a failure is a value.</summary>
    public static bool TryStatPath(string path, bool followSymlinks, out StatxBuffer status, out int errno)
    {
        var ok = StatxNative(AT_FDCWD, path, followSymlinks ? 0 : AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, out status) == 0;
        errno = ok ? 0 : Marshal.GetLastPInvokeError();
        return ok;
    }

    /// <summary>fstat of an open descriptor; <paramref name="what"/> names it in the error.</summary>
    public static StatxBuffer Stat(FileDescriptorHandle fd, string what)
    {
        Check(StatxNative(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, out var status), "fstat", what);
        return status;
    }

    /// <summary>lstat of one name inside an open directory (a final symlink is not followed); a failure is a value.</summary>
    public static bool TryStatAt(FileDescriptorHandle directory, string name, out StatxBuffer status, out int errno)
    {
        var ok = StatxNative(directory, name, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, out status) == 0;
        errno = ok ? 0 : Marshal.GetLastPInvokeError();
        return ok;
    }
}
