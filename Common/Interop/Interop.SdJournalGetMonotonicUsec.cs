using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>
    /// int sd_journal_get_monotonic_usec(sd_journal *j, uint64_t *ret, sd_id128_t *ret_boot_id):
    /// CLOCK_MONOTONIC µs at which journald received the current entry, and the 16 bytes of the boot
    /// it belongs to; 0 or -errno.
    /// </summary>
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [LibraryImport("libsystemd.so.0", EntryPoint = "sd_journal_get_monotonic_usec")]
    public static unsafe partial int SdJournalGetMonotonicUsec(nint journal, out ulong microseconds, byte* bootId);
}
