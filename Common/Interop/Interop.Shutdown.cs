using System.Runtime.InteropServices;
using Tmds.Linux;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>int shutdown(int sockfd, int how)</summary>
    [LibraryImport("libc", EntryPoint = "shutdown", SetLastError = true)]
    private static partial int ShutdownNative(FileDescriptorHandle socket, int how);

    /// <summary>shutdown(SHUT_RDWR): wakes a blocked recv with end of stream.</summary>
    public static void Shutdown(FileDescriptorHandle socket) => Check(ShutdownNative(socket, LibC.SHUT_RDWR), "shutdown");

    /// <summary>shutdown(SHUT_WR): the peer reads end of stream; this side can still receive (a half-close).</summary>
    public static void ShutdownWrite(FileDescriptorHandle socket) => Check(ShutdownNative(socket, LibC.SHUT_WR), "shutdown(SHUT_WR)");
}
