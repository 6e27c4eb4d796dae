using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>int kill(pid_t pid, int sig)</summary>
    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int KillNative(int pid, int signal);

    /// <summary>
    /// Sends <paramref name="signal"/> to <paramref name="child"/>, a child of this process that it
    /// has not reaped yet (so its pid cannot have been reused).
    /// </summary>
    public static void SignalChild(int child, int signal) => Check(KillNative(child, signal), "kill");
}
