using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    private const int PRIO_PROCESS = 0;

    /// <summary>int setpriority(int which, id_t who, int prio)</summary>
    [LibraryImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static partial int SetPriorityNative(int which, uint who, int priority);

    /// <summary>
    /// Sets the nice value of the thread <paramref name="tid"/> (Linux keeps one per thread; a
    /// process's pid names its main thread, whose value the threads it starts later inherit).
    /// Raising it needs no privilege over a process of one's own user.
    /// </summary>
    public static void SetNice(int tid, int nice)
    {
        if (SetPriorityNative(PRIO_PROCESS, checked((uint)tid), nice) != 0)
        {
            throw new ErrnoException("setpriority", null, Marshal.GetLastPInvokeError());
        }
    }
}
