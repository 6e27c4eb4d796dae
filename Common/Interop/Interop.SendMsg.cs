using System.Runtime.InteropServices;
using Tmds.Linux;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>ssize_t sendmsg(int sockfd, const struct msghdr *msg, int flags)</summary>
    [LibraryImport("libc", EntryPoint = "sendmsg", SetLastError = true)]
    private static unsafe partial nint SendMsgNative(FileDescriptorHandle socket, msghdr* message, int flags);

    /// <summary>
    /// cmsg_len of one SCM_RIGHTS descriptor: the C macro CMSG_LEN(sizeof(int)), 20 on 64-bit Linux.
    /// Tmds.LibC 0.5.0's CMSG_LEN returns the padded CMSG_SPACE (24), with which the kernel reads
    /// two descriptors, the second one whatever the padding held (the caller's standard input).
    /// </summary>
    internal static unsafe socklen_t SingleDescriptorLength => (socklen_t)(sizeof(cmsghdr) + sizeof(int));

    /// <summary>
    /// sendmsg(MSG_NOSIGNAL) of one SOCK_SEQPACKET message carrying <paramref name="descriptor"/>
    /// (SCM_RIGHTS, unix(7)): the receiver gets its own descriptor for the same open file.
    /// </summary>
    public static unsafe void SendWithDescriptor(FileDescriptorHandle socket, ReadOnlySpan<byte> data, FileDescriptorHandle descriptor)
    {
        var control = stackalloc byte[(int)LibC.CMSG_SPACE(sizeof(int))];
        fixed (byte* bytes = data)
        {
            var vector = new iovec { iov_base = bytes, iov_len = (size_t)data.Length };
            var message = new msghdr { msg_iov = &vector, msg_iovlen = 1, msg_control = control, msg_controllen = LibC.CMSG_SPACE(sizeof(int)) };
            var header = LibC.CMSG_FIRSTHDR(&message);
            header->cmsg_level = LibC.SOL_SOCKET;
            header->cmsg_type = LibC.SCM_RIGHTS;
            header->cmsg_len = SingleDescriptorLength;
            *(int*)LibC.CMSG_DATA(header) = descriptor.Fd;
            nint sent;
            do
            {
                sent = SendMsgNative(socket, &message, LibC.MSG_NOSIGNAL);
            }
            while (sent == -1 && Marshal.GetLastPInvokeError() == LibC.EINTR);
            if (Check(sent, "sendmsg") != data.Length)
            {
                throw new IOException($"sendmsg: sent {sent} of {data.Length} bytes");
            }
        }
        GC.KeepAlive(descriptor);
    }
}
