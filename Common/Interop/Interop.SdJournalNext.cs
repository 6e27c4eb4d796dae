using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>int sd_journal_next(sd_journal *j): 1 moved to the next matching entry, 0 at the end, or -errno.</summary>
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [LibraryImport("libsystemd.so.0", EntryPoint = "sd_journal_next")]
    public static partial int SdJournalNext(nint journal);
}
