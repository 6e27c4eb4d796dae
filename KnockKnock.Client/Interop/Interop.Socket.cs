using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using Tmds.Linux;

namespace KnockKnock.Client;

internal static partial class Interop
{
    /// <summary>socket(2), close-on-exec. A refusal (EPERM, EACCES, ...) is a value: false and its errno.</summary>
    internal static bool TrySocket(int domain, int type, int protocol, [NotNullWhen(true)] out SocketHandle? socket, out int errno)
    {
        var fd = Socket(domain, type | LibC.SOCK_CLOEXEC, protocol);
        if (fd == -1)
        {
            errno = Marshal.GetLastPInvokeError();
            socket = null;
            return false;
        }
        socket = new SocketHandle(fd);
        errno = 0;
        return true;
    }

    /// <summary>int socket(int domain, int type, int protocol)</summary>
    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int Socket(int domain, int type, int protocol);
}
