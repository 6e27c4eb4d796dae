using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    // ssize_t getxattr(const char *path, const char *name, void *value, size_t size)
    [LibraryImport("libc", EntryPoint = "getxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint GetXattrNative(string path, string name, nint value, nuint size);

    /// <summary>Whether the file at <paramref name="path"/> has the extended attribute <paramref name="name"/> (with a value of any length).</summary>
    public static bool HasExtendedAttribute(string path, string name) => GetXattrNative(path, name, 0, 0) > 0;
}
