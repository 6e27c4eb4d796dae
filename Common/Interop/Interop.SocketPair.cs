using System.Runtime.InteropServices;
using Tmds.Linux;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>int socketpair(int domain, int type, int protocol, int sv[2])</summary>
    [LibraryImport("libc", EntryPoint = "socketpair", SetLastError = true)]
    private static unsafe partial int SocketPairNative(int domain, int type, int protocol, int* fds);

    /// <summary>
    /// socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC): an anonymous, connected pair with no
    /// name in the file system or the abstract namespace, so only holders of an end can use it.
    /// </summary>
    public static unsafe (FileDescriptorHandle First, FileDescriptorHandle Second) SocketPairSeqPacket()
    {
        var fds = stackalloc int[2];
        Check(SocketPairNative(LibC.AF_UNIX, LibC.SOCK_SEQPACKET | LibC.SOCK_CLOEXEC, 0, fds), "socketpair");
        return (new FileDescriptorHandle(fds[0]), new FileDescriptorHandle(fds[1]));
    }
}
