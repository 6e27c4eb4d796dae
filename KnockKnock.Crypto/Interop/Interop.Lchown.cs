using System.Runtime.InteropServices;

namespace KnockKnock.Crypto;

internal static partial class Interop
{
    /// <summary>int lchown(const char *pathname, uid_t owner, gid_t group)</summary>
    [LibraryImport("libc", EntryPoint = "lchown", SetLastError = true)]
    private static unsafe partial int Lchown(byte* path, uint owner, uint group);
}
