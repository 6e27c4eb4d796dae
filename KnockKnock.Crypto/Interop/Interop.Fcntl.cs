using System.Runtime.InteropServices;
using Tmds.Linux;

namespace KnockKnock.Crypto;

internal static partial class Interop
{
    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int FcntlNative(int fd, int command, int argument);

    /// <summary>fcntl F_GETFD: the descriptor flags (FD_CLOEXEC), or null if <paramref name="fd"/> is not open.</summary>
    public static int? DescriptorFlags(int fd)
    {
        var flags = FcntlNative(fd, LibC.F_GETFD, 0);
        if (flags >= 0)
        {
            return flags;
        }
        var errno = Marshal.GetLastPInvokeError();
        return errno == LibC.EBADF ? null : throw Error("fcntl", $"descriptor {fd}", errno);
    }
}
