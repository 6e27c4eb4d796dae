using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>int sd_journal_previous(sd_journal *j): 1 moved to the previous matching entry, 0 at the start, or -errno.</summary>
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [LibraryImport("libsystemd.so.0", EntryPoint = "sd_journal_previous")]
    public static partial int SdJournalPrevious(nint journal);
}
