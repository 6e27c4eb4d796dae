using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>
    /// int sd_journal_get_cursor(sd_journal *j, char **cursor): the current entry's cursor, a
    /// NUL-terminated string malloc'd by libsystemd (free it with <see cref="NativeMemory.Free"/>,
    /// which is free(3)); 0 or -errno (-EADDRNOTAVAIL when no entry is current).
    /// </summary>
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [LibraryImport("libsystemd.so.0", EntryPoint = "sd_journal_get_cursor")]
    public static unsafe partial int SdJournalGetCursor(nint journal, out byte* cursor);
}
