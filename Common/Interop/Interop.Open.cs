using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>int open(const char *pathname, int flags, mode_t mode); mode is read only with O_CREAT.</summary>
    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenNative(string path, int flags, uint mode);

    /// <summary>open(2); a refusal is a value: false and its errno. Add O_CLOEXEC yourself.</summary>
    public static bool TryOpen(string path, int flags, uint mode, [NotNullWhen(true)] out FileDescriptorHandle? fd, out int errno)
    {
        var result = OpenNative(path, flags, mode);
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

    /// <summary>open(2), throwing an <see cref="ErrnoException"/> that names the path.</summary>
    public static FileDescriptorHandle Open(string path, int flags, uint mode = 0)
        => TryOpen(path, flags, mode, out var fd, out var errno) ? fd : throw Error("open", path, errno);
}
