using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using Tmds.Linux;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>int socket(int domain, int type, int protocol)</summary>
    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int SocketNative(int domain, int type, int protocol);

    /// <summary>socket(2), close-on-exec. A refusal (EPERM, EACCES, EAFNOSUPPORT...) is a value: false and its errno.</summary>
    public static bool TrySocket(int domain, int type, int protocol, [NotNullWhen(true)] out FileDescriptorHandle? socket, out int errno)
    {
        var fd = SocketNative(domain, type | LibC.SOCK_CLOEXEC, protocol);
        if (fd < 0)
        {
            errno = Marshal.GetLastPInvokeError();
            socket = null;
            return false;
        }
        errno = 0;
        socket = new FileDescriptorHandle(fd);
        return true;
    }
}
