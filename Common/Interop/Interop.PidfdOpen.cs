using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>
    /// pidfd_open(pid, 0) (Linux 5.3): a descriptor that refers to that process for good, so a
    /// signal sent through it can never reach another process that later gets the same pid. False
    /// with errno (ESRCH: no such process).
    /// </summary>
    public static bool TryPidfdOpen(int pid, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out FileDescriptorHandle? pidfd, out int errno)
    {
        var result = SyscallNative(SyscallNumber(x64: 434, generic: 434), pid, 0, 0, 0);
        if (result < 0)
        {
            errno = Marshal.GetLastPInvokeError();
            pidfd = null;
            return false;
        }
        errno = 0;
        pidfd = new FileDescriptorHandle(checked((int)result));
        return true;
    }
}
