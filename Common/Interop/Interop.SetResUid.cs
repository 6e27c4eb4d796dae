using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>int setresuid(uid_t ruid, uid_t euid, uid_t suid); glibc applies it to every thread.</summary>
    [LibraryImport("libc", EntryPoint = "setresuid", SetLastError = true)]
    private static partial int SetResUidNative(uint real, uint effective, uint saved);

    /// <summary>Sets the real, effective and saved user id.</summary>
    public static void SetAllUserIds(uint uid) => Check(SetResUidNative(uid, uid, uid), "setresuid");
}
