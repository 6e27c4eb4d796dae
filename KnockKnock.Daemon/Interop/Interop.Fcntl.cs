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
            CheckResult(LibC.fcntl(fd.Fd, LibC.F_SETFD, closeOnExec ? LibC.FD_CLOEXEC : 0), "fcntl(F_SETFD)");
        }
        finally
        {
            fd.DangerousRelease();
        }
    }
}
