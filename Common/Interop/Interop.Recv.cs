using System.Runtime.InteropServices;
using Tmds.Linux;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>ssize_t recv(int sockfd, void *buf, size_t len, int flags)</summary>
    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    private static partial nint RecvNative(FileDescriptorHandle socket, Span<byte> buffer, nuint length, int flags);

    /// <summary>
    /// recv(MSG_TRUNC) of one SOCK_SEQPACKET message: returns its full length (which may exceed
    /// the buffer: the rest is discarded), 0 at end of stream.
    /// </summary>
    public static int ReceiveMessage(FileDescriptorHandle socket, Span<byte> buffer)
    {
        nint n;
        do
        {
            n = RecvNative(socket, buffer, (nuint)buffer.Length, LibC.MSG_TRUNC);
        }
        while (n == -1 && Marshal.GetLastPInvokeError() == LibC.EINTR);
        return checked((int)Check(n, "recv"));
    }
}
