using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>int sd_journal_add_disjunction(sd_journal *j): ORs the matches added so far with those added next; 0 or -errno.</summary>
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [LibraryImport("libsystemd.so.0", EntryPoint = "sd_journal_add_disjunction")]
    public static partial int SdJournalAddDisjunction(nint journal);
}
