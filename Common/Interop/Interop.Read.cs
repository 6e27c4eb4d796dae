using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>
    /// ssize_t read(int fd, void *buf, size_t count): one call, no retry. -1 leaves errno in
    /// <see cref="Marshal.GetLastPInvokeError"/>: the log sources tell EAGAIN, EINTR and EPIPE apart.
    /// </summary>
    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint ReadNative(FileDescriptorHandle fd, Span<byte> buffer, nuint count);

    public static nint Read(FileDescriptorHandle fd, Span<byte> buffer) => ReadNative(fd, buffer, (nuint)buffer.Length);
}
