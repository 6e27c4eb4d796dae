using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>int listen(int sockfd, int backlog)</summary>
    [LibraryImport("libc", EntryPoint = "listen", SetLastError = true)]
    private static partial int ListenNative(FileDescriptorHandle socket, int backlog);

    public static void Listen(FileDescriptorHandle socket, int backlog) => Check(ListenNative(socket, backlog), "listen");
}
