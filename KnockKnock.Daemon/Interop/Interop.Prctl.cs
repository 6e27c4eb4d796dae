using System.Runtime.InteropServices;
using Tmds.Linux;

namespace KnockKnock.Daemon;

internal static partial class Interop
{
    // Not in Tmds.LibC 0.5.0. linux/prctl.h values.
    private const int PR_SET_PDEATHSIG = 1;
    private const int PR_SET_NO_NEW_PRIVS = 38;

    /// <summary>prctl(PR_SET_PDEATHSIG, signal): the kernel sends the signal when the parent thread exits.</summary>
    public static void SetParentDeathSignal(int signal) => Prctl(PR_SET_PDEATHSIG, (nuint)signal, "prctl(PR_SET_PDEATHSIG)");

    /// <summary>prctl(PR_SET_NO_NEW_PRIVS, 1): execve can never grant privileges again.</summary>
    public static void SetNoNewPrivileges() => Prctl(PR_SET_NO_NEW_PRIVS, 1, "prctl(PR_SET_NO_NEW_PRIVS)");

    private static void Prctl(int option, nuint argument, string call)
    {
        if (prctl(option, argument, 0, 0, 0) == -1)
        {
            throw ErrnoException(call, path: null, Marshal.GetLastPInvokeError());
        }
    }

    // int prctl(int option, ...): unsigned long arguments, passed in registers like a fixed signature.
    [LibraryImport("libc", SetLastError = true)]
    private static partial int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);
}
