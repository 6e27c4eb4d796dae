using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>int fchmod(int fd, mode_t mode): acts on the open file, never on a path.</summary>
    [LibraryImport("libc", EntryPoint = "fchmod", SetLastError = true)]
    private static partial int FchmodNative(FileDescriptorHandle fd, uint mode);

    public static void Fchmod(FileDescriptorHandle fd, uint mode, string what)
        => Check(FchmodNative(fd, mode), "fchmod", what);
}
