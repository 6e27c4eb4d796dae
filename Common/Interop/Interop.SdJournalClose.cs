using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>void sd_journal_close(sd_journal *j): also closes the journal's files and its inotify descriptor.</summary>
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [LibraryImport("libsystemd.so.0", EntryPoint = "sd_journal_close")]
    public static partial void SdJournalClose(nint journal);
}
