using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>int lchown(const char *pathname, uid_t owner, gid_t group)</summary>
    [LibraryImport("libc", EntryPoint = "lchown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LchownNative(string path, uint owner, uint group);

    /// <summary>lchown(2) to <paramref name="owner"/> and <paramref name="group"/> (uint.MaxValue: unchanged).</summary>
    public static void Chown(string path, uint owner, uint group = uint.MaxValue) => Check(LchownNative(path, owner, group), "lchown", path);
}
