using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    public const int AT_REMOVEDIR = 0x200;

    /// <summary>int unlinkat(int dirfd, const char *pathname, int flags): one name inside an open directory.</summary>
    [LibraryImport("libc", EntryPoint = "unlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int UnlinkAtNative(FileDescriptorHandle directory, string name, int flags);

    /// <summary>Removes <paramref name="name"/> (a directory with <see cref="AT_REMOVEDIR"/>); false with errno when it cannot.</summary>
    public static bool TryUnlinkAt(FileDescriptorHandle directory, string name, int flags, out int errno)
    {
        var ok = UnlinkAtNative(directory, name, flags) == 0;
        errno = ok ? 0 : Marshal.GetLastPInvokeError();
        return ok;
    }
}
