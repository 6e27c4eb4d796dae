using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>
    /// int sd_journal_get_data(sd_journal *j, const char *field, const void **data, size_t *length):
    /// *data is "FIELD=value", not NUL-terminated, inside the journal's read-only mapping and valid
    /// only until the next get_data call or cursor move; 0, -ENOENT when the entry has no such field, or -errno.
    /// </summary>
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [LibraryImport("libsystemd.so.0", EntryPoint = "sd_journal_get_data")]
    public static unsafe partial int SdJournalGetData(nint journal, byte* field, out byte* data, out nuint length);
}
