using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    public const int LOCK_SH = 1;
    public const int LOCK_EX = 2;
    public const int LOCK_UN = 8;

    /// <summary>int flock(int fd, int operation): Tmds.LibC has no binding for it.</summary>
    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int FlockNative(FileDescriptorHandle fd, int operation);

    /// <summary>Takes or releases a flock lock, waiting as long as it takes (a signal does not end the wait).</summary>
    public static void Flock(FileDescriptorHandle fd, int operation, string what)
    {
        int result;
        do
        {
            result = FlockNative(fd, operation);
        }
        while (result < 0 && Marshal.GetLastPInvokeError() == Tmds.Linux.LibC.EINTR);
        Check(result, "flock", what);
    }
}
