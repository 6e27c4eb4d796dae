using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>int sd_journal_get_realtime_usec(sd_journal *j, uint64_t *ret): CLOCK_REALTIME µs at which journald received the current entry; 0 or -errno.</summary>
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [LibraryImport("libsystemd.so.0", EntryPoint = "sd_journal_get_realtime_usec")]
    public static partial int SdJournalGetRealtimeUsec(nint journal, out ulong microseconds);
}
