using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>
    /// int sd_journal_seek_cursor(sd_journal *j, const char *cursor): the next sd_journal_next()
    /// returns the cursor's entry, or the first one after it when it is gone; 0, or -EINVAL for a
    /// string that is no cursor (the position is then unchanged).
    /// </summary>
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [LibraryImport("libsystemd.so.0", EntryPoint = "sd_journal_seek_cursor")]
    public static unsafe partial int SdJournalSeekCursor(nint journal, byte* cursor);
}
