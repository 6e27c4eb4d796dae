using System.Runtime.InteropServices;

namespace KnockKnock.Crypto;

internal static partial class Interop
{
    public const int LOCK_SH = 1;
    public const int LOCK_EX = 2;
    public const int LOCK_UN = 8;

    /// <summary>flock(2): Tmds.LibC has no binding for it.</summary>
    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int FlockNative(int fd, int operation);

    public static void Flock(SafeDirectoryHandle directory, int operation, string path)
    {
        int result;
        do
        {
            result = FlockNative(directory.Fd, operation);
        }
        while (result < 0 && Marshal.GetLastPInvokeError() == Tmds.Linux.LibC.EINTR);
        ThrowIfFailed(result, "flock", path);
    }
}
