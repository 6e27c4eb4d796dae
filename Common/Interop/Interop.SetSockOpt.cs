using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>int setsockopt(int sockfd, int level, int optname, const void *optval, socklen_t optlen)</summary>
    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    private static partial int SetSockOptNative(FileDescriptorHandle socket, int level, int option, in int value, uint length);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    private static partial int SetSockOptNative(FileDescriptorHandle socket, int level, int option, in TimeValue value, uint length);

    /// <summary>struct timeval on the 64-bit Linux ABIs (x86-64, arm64): seconds and microseconds, 8 bytes each.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct TimeValue
    {
        public long Seconds;
        public long Microseconds;
    }

    /// <summary>Sets an int socket option; throws naming it.</summary>
    public static void SetSocketOption(FileDescriptorHandle socket, int level, int option, int value, string name)
        => Check(SetSockOptNative(socket, level, option, in value, sizeof(int)), "setsockopt", name);

    /// <summary>Sets a struct timeval socket option (SO_SNDTIMEO, SO_RCVTIMEO: how long a blocking call may wait).</summary>
    public static unsafe void SetSocketTimeout(FileDescriptorHandle socket, int option, TimeSpan timeout, string name)
    {
        var value = new TimeValue { Seconds = (long)timeout.TotalSeconds, Microseconds = (timeout.Ticks % TimeSpan.TicksPerSecond) / TimeSpan.TicksPerMicrosecond };
        Check(SetSockOptNative(socket, Tmds.Linux.LibC.SOL_SOCKET, option, in value, (uint)sizeof(TimeValue)), "setsockopt", name);
    }
}
