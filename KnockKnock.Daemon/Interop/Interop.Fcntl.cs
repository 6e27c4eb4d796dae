using System.Runtime.InteropServices;
using Tmds.Linux;

namespace KnockKnock.Daemon;

internal static partial class Interop
{
    /// <summary>fcntl(F_SETFD): sets or clears FD_CLOEXEC on one descriptor.</summary>
    public static void SetCloseOnExec(FileDescriptorHandle fd, bool closeOnExec)
    {
        var added = false;
        fd.DangerousAddRef(ref added);
        try
        {
            CheckResult(Fcntl(fd.Fd, LibC.F_SETFD, closeOnExec ? LibC.FD_CLOEXEC : 0), "fcntl(F_SETFD)");
        }
        finally
        {
            fd.DangerousRelease();
        }
    }

    // int fcntl(int fd, int cmd, ...): the one int argument travels in a register like a fixed one.
    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command, int argument);
}
