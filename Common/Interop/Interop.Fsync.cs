using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>int fsync(int fd): also used on directories, to make a rename or a new name durable.</summary>
    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FsyncNative(FileDescriptorHandle fd);

    public static void Fsync(FileDescriptorHandle fd, string what) => Check(FsyncNative(fd), "fsync", what);
}
