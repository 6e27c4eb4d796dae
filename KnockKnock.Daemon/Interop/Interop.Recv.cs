using System.Runtime.InteropServices;

namespace KnockKnock.Daemon;

internal static partial class Interop
{
    /// <summary>ssize_t recv(int sockfd, void *buf, size_t len, int flags)</summary>
    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    private static unsafe partial nint Recv(int socket, byte* buffer, nuint length, int flags);
}
