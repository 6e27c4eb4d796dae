namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>pidfd_send_signal(pidfd, sig, NULL, 0) (Linux 5.1): signals exactly the process the descriptor refers to.</summary>
    public static void PidfdSendSignal(FileDescriptorHandle pidfd, int signal, string what)
    {
        var added = false;
        pidfd.DangerousAddRef(ref added);
        try
        {
            Check(SyscallNative(SyscallNumber(x64: 424, generic: 424), pidfd.Fd, signal, 0, 0), "pidfd_send_signal", what);
        }
        finally
        {
            pidfd.DangerousRelease();
        }
    }
}
