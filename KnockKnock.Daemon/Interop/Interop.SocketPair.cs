using System.Runtime.InteropServices;
using Tmds.Linux;

namespace KnockKnock.Daemon;

internal static partial class Interop
{
    /// <summary>
    /// socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC): an anonymous, connected pair with no
    /// name in the file system or the abstract namespace, so only holders of an end can use it.
    /// </summary>
    public static unsafe (FileDescriptorHandle First, FileDescriptorHandle Second) SocketPairSeqPacket()
    {
        int* fds = stackalloc int[2];
        CheckResult(SocketPair(LibC.AF_UNIX, LibC.SOCK_SEQPACKET | LibC.SOCK_CLOEXEC, 0, fds), "socketpair");
        return (new FileDescriptorHandle(fds[0], ownsHandle: true), new FileDescriptorHandle(fds[1], ownsHandle: true));
    }

    /// <summary>int socketpair(int domain, int type, int protocol, int sv[2])</summary>
    [LibraryImport("libc", EntryPoint = "socketpair", SetLastError = true)]
    private static unsafe partial int SocketPair(int domain, int type, int protocol, int* fds);
}
