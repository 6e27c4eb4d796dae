using System.Runtime.InteropServices;
using Tmds.Linux;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>pid_t waitpid(pid_t pid, int *wstatus, int options)</summary>
    [LibraryImport("libc", EntryPoint = "waitpid", SetLastError = true)]
    private static partial int WaitPidNative(int pid, out int status, int options);

    /// <summary>
    /// Waits for the child <paramref name="pid"/> to end (across EINTR) and reaps it; returns its exit
    /// code, or 128 + the signal's number when a signal ended it (as a shell reports it).
    /// </summary>
    public static int WaitForExit(int pid)
    {
        int status;
        while (WaitPidNative(pid, out status, 0) == -1)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno != LibC.EINTR)
            {
                throw Error("waitpid", null, errno);
            }
        }
        // <sys/wait.h>: WIFEXITED / WEXITSTATUS, else WTERMSIG.
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f);
    }
}
