using System.Runtime.InteropServices;
using Tmds.Linux;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>int accept4(int sockfd, struct sockaddr *addr, socklen_t *addrlen, int flags)</summary>
    [LibraryImport("libc", EntryPoint = "accept4", SetLastError = true)]
    private static partial int Accept4Native(FileDescriptorHandle socket, nint address, nint addressLength, int flags);

    /// <summary>accept4(SOCK_CLOEXEC) of one connection, its peer address not asked for; retried after a signal.</summary>
    public static FileDescriptorHandle Accept(FileDescriptorHandle listener)
    {
        int fd;
        do
        {
            fd = Accept4Native(listener, 0, 0, LibC.SOCK_CLOEXEC);
        }
        while (fd < 0 && Marshal.GetLastPInvokeError() == LibC.EINTR);
        return new FileDescriptorHandle(Check(fd, "accept"));
    }
}
