using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    private const int CLOCK_MONOTONIC = 1;

    /// <summary>int clock_gettime(clockid_t clockid, struct timespec *tp); on 64-bit Linux a timespec is two 64-bit fields, seconds and nanoseconds.</summary>
    [LibraryImport("libc", EntryPoint = "clock_gettime", SetLastError = true)]
    private static unsafe partial int ClockGetTimeNative(int clock, long* time);

    /// <summary>
    /// CLOCK_MONOTONIC in microseconds: the clock of the kernel log's own timestamps (the TS_USEC of a
    /// /dev/kmsg record, a journal entry's _SOURCE_MONOTONIC_TIMESTAMP), which stops during suspend as they do.
    /// </summary>
    public static unsafe long MonotonicMicroseconds()
    {
        var time = stackalloc long[2];
        Check(ClockGetTimeNative(CLOCK_MONOTONIC, time), "clock_gettime");
        return checked((time[0] * 1_000_000) + (time[1] / 1000));
    }
}
