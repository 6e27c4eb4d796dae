using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>int sd_journal_open_files(sd_journal **ret, const char **paths, int flags): <paramref name="paths"/> NULL-terminated, flags 0; 0 or -errno.</summary>
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [LibraryImport("libsystemd.so.0", EntryPoint = "sd_journal_open_files")]
    public static unsafe partial int SdJournalOpenFiles(out nint journal, byte** paths, int flags);
}
