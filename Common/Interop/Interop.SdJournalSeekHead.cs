using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>int sd_journal_seek_head(sd_journal *j): the next sd_journal_next() returns the oldest entry; 0 or -errno.</summary>
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [LibraryImport("libsystemd.so.0", EntryPoint = "sd_journal_seek_head")]
    public static partial int SdJournalSeekHead(nint journal);
}
