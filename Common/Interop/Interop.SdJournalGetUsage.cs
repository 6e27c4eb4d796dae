using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>int sd_journal_get_usage(sd_journal *j, uint64_t *bytes): disk space of the files the journal has open (0: none); 0 or -errno.</summary>
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [LibraryImport("libsystemd.so.0", EntryPoint = "sd_journal_get_usage")]
    public static partial int SdJournalGetUsage(nint journal, out ulong bytes);
}
