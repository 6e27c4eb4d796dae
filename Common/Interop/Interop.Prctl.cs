using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    // Not in Tmds.LibC 0.5.0. linux/prctl.h values.
    private const int PR_SET_PDEATHSIG = 1;
    private const int PR_SET_DUMPABLE = 4;
    private const int PR_SET_NO_NEW_PRIVS = 38;

    // int prctl(int option, ...): unsigned long arguments, passed in registers like a fixed signature.
    [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true)]
    private static partial int PrctlNative(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    /// <summary>prctl(PR_SET_PDEATHSIG, signal): the kernel sends the signal when the parent thread exits.</summary>
    public static void SetParentDeathSignal(int signal) => Check(PrctlNative(PR_SET_PDEATHSIG, (nuint)signal, 0, 0, 0), "prctl(PR_SET_PDEATHSIG)");

    /// <summary>prctl(PR_SET_NO_NEW_PRIVS, 1) for the calling thread: execve can never grant privileges again.</summary>
    public static void SetNoNewPrivileges() => Check(PrctlNative(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)");

    /// <summary>
    /// prctl(PR_SET_DUMPABLE, 0): no core dump, and neither ptrace nor pidfd_getfd nor /proc/PID/fd
    /// for processes of the same user (only CAP_SYS_PTRACE reaches it).
    /// </summary>
    public static void SetNotDumpable() => Check(PrctlNative(PR_SET_DUMPABLE, 0, 0, 0, 0), "prctl(PR_SET_DUMPABLE)");
}
