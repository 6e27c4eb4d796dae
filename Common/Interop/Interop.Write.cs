using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>
    /// ssize_t write(int fd, const void *buf, size_t count) on a descriptor this process does not own
    /// (standard output or error): one call; the caller handles short writes and errno.
    /// </summary>
    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint WriteNative(int fd, ReadOnlySpan<byte> buffer, nuint count);

    public static nint Write(int fd, ReadOnlySpan<byte> buffer) => WriteNative(fd, buffer, (nuint)buffer.Length);
}
