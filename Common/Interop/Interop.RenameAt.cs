using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>int renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath)</summary>
    [LibraryImport("libc", EntryPoint = "renameat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameAtNative(FileDescriptorHandle fromDirectory, string from, FileDescriptorHandle toDirectory, string to);

    /// <summary>Atomically renames one name to another inside the same open directory, replacing the target.</summary>
    public static void RenameAt(FileDescriptorHandle directory, string from, string to, string directoryPath)
        => Check(RenameAtNative(directory, from, directory, to), "rename", $"{directoryPath}/{from}");
}
