using System.Runtime.InteropServices;

namespace KnockKnock.Daemon;

internal static partial class Interop
{
    /// <summary>int setresgid(gid_t rgid, gid_t egid, gid_t sgid): glibc's wrapper, which applies it to every thread.</summary>
    [LibraryImport("libc", EntryPoint = "setresgid", SetLastError = true)]
    private static partial int SetResGid(uint real, uint effective, uint saved);
}
