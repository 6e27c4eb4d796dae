using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>int openat(int dirfd, const char *pathname, int flags, mode_t mode)</summary>
    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenAtNative(FileDescriptorHandle directory, string name, int flags, uint mode);

    /// <summary>
    /// openat(2) of one name inside an open directory (no '/' in <paramref name="name"/>: nothing is
    /// looked up outside that directory); a refusal is a value. Add O_NOFOLLOW and O_CLOEXEC yourself.
    /// </summary>
    public static bool TryOpenAt(FileDescriptorHandle directory, string name, int flags, uint mode, [NotNullWhen(true)] out FileDescriptorHandle? fd, out int errno)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException("one path component only", nameof(name));
        }
        var result = OpenAtNative(directory, name, flags, mode);
        if (result < 0)
        {
            errno = Marshal.GetLastPInvokeError();
            fd = null;
            return false;
        }
        errno = 0;
        fd = new FileDescriptorHandle(result);
        return true;
    }
}
