using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>
    /// int sd_journal_add_match(sd_journal *j, const void *data, size_t size): "FIELD=value" (size
    /// 0: NUL-terminated). Matches on different fields are ANDed, on one field ORed; 0 or -errno.
    /// </summary>
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [LibraryImport("libsystemd.so.0", EntryPoint = "sd_journal_add_match")]
    public static unsafe partial int SdJournalAddMatch(nint journal, byte* data, nuint size);
}
