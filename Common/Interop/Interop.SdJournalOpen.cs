using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>sd_journal_open() flag: only journals of this machine (no remote/ directory).</summary>
    public const int SD_JOURNAL_LOCAL_ONLY = 1;

    /// <summary>sd_journal_open() flag: only the system journal files (system.journal, system@*.journal), no user journals.</summary>
    public const int SD_JOURNAL_SYSTEM = 4;

    /// <summary>
    /// int sd_journal_open(sd_journal **ret, int flags) of libsystemd.so.0, loaded at the first call
    /// (a missing library is a <see cref="DllNotFoundException"/> there). Returns 0 or -errno; files
    /// the caller cannot read are skipped silently. Every sd_journal_* call on one object must come
    /// from the thread that opened it (sd-journal(3), NOTES).
    /// </summary>
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [LibraryImport("libsystemd.so.0", EntryPoint = "sd_journal_open")]
    public static partial int SdJournalOpen(out nint journal, int flags);
}
