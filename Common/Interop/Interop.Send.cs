using System.Runtime.InteropServices;
using Tmds.Linux;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>ssize_t send(int sockfd, const void *buf, size_t len, int flags)</summary>
    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    private static partial nint SendNative(FileDescriptorHandle socket, ReadOnlySpan<byte> buffer, nuint length, int flags);

    /// <summary>send(MSG_NOSIGNAL) of one whole SOCK_SEQPACKET message; a closed peer is an exception, not SIGPIPE.</summary>
    public static void SendMessage(FileDescriptorHandle socket, ReadOnlySpan<byte> message)
    {
        nint n;
        do
        {
            n = SendNative(socket, message, (nuint)message.Length, LibC.MSG_NOSIGNAL);
        }
        while (n == -1 && Marshal.GetLastPInvokeError() == LibC.EINTR);
        Check(n, "send");
    }

    /// <summary>
    /// send(MSG_NOSIGNAL) on a stream socket: returns how many bytes the kernel took (at least one),
    /// retried after a signal; a closed peer is an exception (EPIPE, ECONNRESET), not SIGPIPE.
    /// </summary>
    public static int SendSome(FileDescriptorHandle socket, ReadOnlySpan<byte> buffer)
    {
        nint n;
        do
        {
            n = SendNative(socket, buffer, (nuint)buffer.Length, LibC.MSG_NOSIGNAL);
        }
        while (n == -1 && Marshal.GetLastPInvokeError() == LibC.EINTR);
        return checked((int)Check(n, "send"));
    }
}
