using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>int getsockopt(int sockfd, int level, int optname, void *optval, socklen_t *optlen)</summary>
    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    private static partial int GetSockOptNative(FileDescriptorHandle socket, int level, int option, Span<byte> value, ref uint length);

    /// <summary>Reads a socket option into <paramref name="value"/>; returns its length. Throws naming it.</summary>
    public static int GetSocketOption(FileDescriptorHandle socket, int level, int option, Span<byte> value, string name)
    {
        var length = (uint)value.Length;
        Check(GetSockOptNative(socket, level, option, value, ref length), "getsockopt", name);
        return (int)length;
    }

    /// <summary>Reads an int socket option.</summary>
    public static int GetSocketOption(FileDescriptorHandle socket, int level, int option, string name)
    {
        Span<byte> value = stackalloc byte[sizeof(int)];
        GetSocketOption(socket, level, option, value, name);
        return BitConverter.ToInt32(value);
    }
}
