using System.Runtime.InteropServices;
using Tmds.Linux;

namespace KnockKnock;

internal static unsafe partial class Interop
{
    /// <summary>int sigaction(int signum, const struct sigaction *act, struct sigaction *oldact)</summary>
    [LibraryImport("libc", EntryPoint = "sigaction", SetLastError = true)]
    private static partial int SigactionNative(int signal, sigaction* action, sigaction* previous);

    /// <summary>
    /// A parent that ignores SIGCHLD passes that on through exec, and then the kernel reaps our
    /// children itself: waitpid fails with ECHILD and their exit status is lost (a firewall tool's
    /// "failed" could not be told from "ran"). Puts back the default disposition when SIGCHLD
    /// arrived ignored, and leaves any handler alone. Each executable calls it first thing in Main.
    /// </summary>
    public static void RestoreChildSignal()
    {
        sigaction current;
        Check(SigactionNative(LibC.SIGCHLD, null, &current), "sigaction(SIGCHLD)");
        if (current.sa_handler == LibC.SIG_IGN)
        {
            sigaction standard = default; // SIG_DFL, nothing blocked, no flags
            Check(SigactionNative(LibC.SIGCHLD, &standard, null), "sigaction(SIGCHLD)");
        }
    }
}
