using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>ssize_t pread(int fd, void *buf, size_t count, off_t offset)</summary>
    [LibraryImport("libc", EntryPoint = "pread", SetLastError = true)]
    private static partial nint PreadNative(FileDescriptorHandle fd, Span<byte> buffer, nuint count, long offset);

    /// <summary>Reads up to <paramref name="buffer"/>'s length at <paramref name="offset"/>; returns the bytes read (fewer at end of file).</summary>
    public static int Pread(FileDescriptorHandle fd, Span<byte> buffer, long offset, string what)
    {
        nint n;
        do
        {
            n = PreadNative(fd, buffer, (nuint)buffer.Length, offset);
        }
        while (n == -1 && Marshal.GetLastPInvokeError() == Tmds.Linux.LibC.EINTR);
        return (int)Check(n, "pread", what);
    }
}
