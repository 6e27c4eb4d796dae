using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>
    /// int sd_journal_get_fd(sd_journal *j): the journal's inotify descriptor (owned by the journal,
    /// closed by sd_journal_close); the first call creates it and watches the journal directories.
    /// </summary>
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [LibraryImport("libsystemd.so.0", EntryPoint = "sd_journal_get_fd")]
    public static partial int SdJournalGetFd(nint journal);
}
