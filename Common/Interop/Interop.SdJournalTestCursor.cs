using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>int sd_journal_test_cursor(sd_journal *j, const char *cursor): &gt;0 the current entry is the cursor's, 0 it is not, or -errno.</summary>
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [LibraryImport("libsystemd.so.0", EntryPoint = "sd_journal_test_cursor")]
    public static unsafe partial int SdJournalTestCursor(nint journal, byte* cursor);
}
