using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>int setresgid(gid_t rgid, gid_t egid, gid_t sgid); glibc applies it to every thread.</summary>
    [LibraryImport("libc", EntryPoint = "setresgid", SetLastError = true)]
    private static partial int SetResGidNative(uint real, uint effective, uint saved);

    /// <summary>Sets the real, effective and saved group id.</summary>
    public static void SetAllGroupIds(uint gid) => Check(SetResGidNative(gid, gid, gid), "setresgid");
}
