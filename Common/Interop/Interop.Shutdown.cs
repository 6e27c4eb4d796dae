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
}
