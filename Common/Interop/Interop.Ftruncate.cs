using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>int ftruncate(int fd, off_t length)</summary>
    [LibraryImport("libc", EntryPoint = "ftruncate", SetLastError = true)]
    private static partial int FtruncateNative(FileDescriptorHandle fd, long length);

    public static void Ftruncate(FileDescriptorHandle fd, long length, string what)
        => Check(FtruncateNative(fd, length), "ftruncate", what);
}
