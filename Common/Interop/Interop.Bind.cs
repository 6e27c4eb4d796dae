using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>int bind(int sockfd, const struct sockaddr *addr, socklen_t addrlen)</summary>
    [LibraryImport("libc", EntryPoint = "bind", SetLastError = true)]
    private static partial int BindNative(FileDescriptorHandle socket, in SocketAddress address, uint addressLength);

    /// <summary>bind(2) to an address and port (0: the kernel picks one).</summary>
    public static void Bind(FileDescriptorHandle socket, HostAddress address, ushort port)
    {
        var local = SocketAddress.Create(address, port);
        Check(BindNative(socket, in local, local.Length), "bind");
    }
}
