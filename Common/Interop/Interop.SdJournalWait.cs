using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>sd_journal_wait() and sd_journal_process() result: nothing changed (or the wait timed out).</summary>
    public const int SD_JOURNAL_NOP = 0;

    /// <summary>sd_journal_wait() result: entries were appended.</summary>
    public const int SD_JOURNAL_APPEND = 1;

    /// <summary>sd_journal_wait() result: journal files were added or removed (rotation, vacuum, a new journal).</summary>
    public const int SD_JOURNAL_INVALIDATE = 2;

    /// <summary>int sd_journal_wait(sd_journal *j, uint64_t timeout_usec): waits up to the timeout for a change (retrying after EINTR itself); NOP, APPEND, INVALIDATE or -errno.</summary>
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [LibraryImport("libsystemd.so.0", EntryPoint = "sd_journal_wait")]
    public static partial int SdJournalWait(nint journal, ulong timeoutMicroseconds);
}
