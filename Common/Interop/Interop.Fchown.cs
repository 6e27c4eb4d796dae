using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>int fchown(int fd, uid_t owner, gid_t group): acts on the open file, never on a path.</summary>
    [LibraryImport("libc", EntryPoint = "fchown", SetLastError = true)]
    private static partial int FchownNative(FileDescriptorHandle fd, uint owner, uint group);

    public static void Fchown(FileDescriptorHandle fd, uint owner, uint group, string what)
        => Check(FchownNative(fd, owner, group), "fchown", what);
}
