using System.Runtime.InteropServices;
using Tmds.Linux;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>ssize_t recvmsg(int sockfd, struct msghdr *msg, int flags)</summary>
    [LibraryImport("libc", EntryPoint = "recvmsg", SetLastError = true)]
    private static unsafe partial nint RecvMsgNative(FileDescriptorHandle socket, msghdr* message, int flags);

    /// <summary>
    /// recvmsg(MSG_CMSG_CLOEXEC) of one SOCK_SEQPACKET message and the one descriptor it carries
    /// (SCM_RIGHTS), close-on-exec. Returns the message's length, or -1 when it was larger than
    /// <paramref name="buffer"/> or carried anything but exactly one descriptor (then
    /// <paramref name="descriptor"/> is null, and whatever came along is closed).
    /// </summary>
    public static unsafe int ReceiveWithDescriptor(FileDescriptorHandle socket, Span<byte> buffer, out FileDescriptorHandle? descriptor)
    {
        descriptor = null;
        var controlLength = (int)LibC.CMSG_SPACE(sizeof(int));
        var control = stackalloc byte[controlLength];
        fixed (byte* bytes = buffer)
        {
            var vector = new iovec { iov_base = bytes, iov_len = (size_t)buffer.Length };
            var message = new msghdr { msg_iov = &vector, msg_iovlen = 1, msg_control = control, msg_controllen = (socklen_t)controlLength };
            nint received;
            do
            {
                received = RecvMsgNative(socket, &message, LibC.MSG_CMSG_CLOEXEC);
            }
            while (received == -1 && Marshal.GetLastPInvokeError() == LibC.EINTR);
            Check(received, "recvmsg");
            // Every descriptor that arrived is ours to close. The control buffer has room for one
            // header, and two descriptors fit in it (the kernel closes only those that do not fit).
            var descriptors = 0;
            var header = LibC.CMSG_FIRSTHDR(&message);
            if (header is not null && header->cmsg_level == LibC.SOL_SOCKET && header->cmsg_type == LibC.SCM_RIGHTS)
            {
                var data = (int*)LibC.CMSG_DATA(header);
                descriptors = (Math.Min((int)header->cmsg_len, (int)message.msg_controllen) - sizeof(cmsghdr)) / sizeof(int);
                for (var i = 0; i < descriptors; i++)
                {
                    var handle = new FileDescriptorHandle(data[i]);
                    if (i == 0)
                    {
                        descriptor = handle;
                    }
                    else
                    {
                        handle.Dispose();
                    }
                }
            }
            if ((message.msg_flags & (LibC.MSG_TRUNC | LibC.MSG_CTRUNC)) != 0 || descriptors != 1)
            {
                descriptor?.Dispose();
                descriptor = null;
                return -1;
            }
            return (int)received;
        }
    }
}
