using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>
    /// int sd_journal_seek_tail(sd_journal *j); 0 or -errno. Follow it with sd_journal_previous():
    /// in systemd 252 a following sd_journal_next() returns the last existing entry once more.
    /// </summary>
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [LibraryImport("libsystemd.so.0", EntryPoint = "sd_journal_seek_tail")]
    public static partial int SdJournalSeekTail(nint journal);
}
