using System.Runtime.InteropServices;

namespace KnockKnock.Daemon;

internal static partial class Interop
{
    /// <summary>int setresuid(uid_t ruid, uid_t euid, uid_t suid): glibc's wrapper, which applies it to every thread.</summary>
    [LibraryImport("libc", EntryPoint = "setresuid", SetLastError = true)]
    private static partial int SetResUid(uint real, uint effective, uint saved);
}
