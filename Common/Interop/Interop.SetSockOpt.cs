using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>int setsockopt(int sockfd, int level, int optname, const void *optval, socklen_t optlen)</summary>
    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    private static partial int SetSockOptNative(FileDescriptorHandle socket, int level, int option, in int value, uint length);

    /// <summary>Sets an int socket option; throws naming it.</summary>
    public static void SetSocketOption(FileDescriptorHandle socket, int level, int option, int value, string name)
        => Check(SetSockOptNative(socket, level, option, in value, sizeof(int)), "setsockopt", name);
}
