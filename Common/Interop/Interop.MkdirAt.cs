using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>int mkdirat(int dirfd, const char *pathname, mode_t mode): one name inside an open directory.</summary>
    [LibraryImport("libc", EntryPoint = "mkdirat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MkdirAtNative(FileDescriptorHandle directory, string name, uint mode);

    /// <summary>Creates <paramref name="name"/> in <paramref name="directory"/>; false with errno when it cannot (EEXIST included).</summary>
    public static bool TryMkdirAt(FileDescriptorHandle directory, string name, uint mode, out int errno)
    {
        var ok = MkdirAtNative(directory, name, mode) == 0;
        errno = ok ? 0 : Marshal.GetLastPInvokeError();
        return ok;
    }
}
