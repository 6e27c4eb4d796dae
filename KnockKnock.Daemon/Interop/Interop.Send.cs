using System.Runtime.InteropServices;

namespace KnockKnock.Daemon;

internal static partial class Interop
{
    /// <summary>ssize_t send(int sockfd, const void *buf, size_t len, int flags)</summary>
    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    private static unsafe partial nint Send(int socket, byte* buffer, nuint length, int flags);
}
