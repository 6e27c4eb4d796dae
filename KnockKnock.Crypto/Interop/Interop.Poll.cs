using System.Runtime.InteropServices;
using Tmds.Linux;

namespace KnockKnock.Crypto;

internal static partial class Interop
{
    public const short POLLOUT = 4;

    /// <summary>poll(2) for one descriptor; ours because Tmds.LibC's errno is not reliable (see Interop.Errors.cs).</summary>
    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int PollNative(ref PollDescriptor descriptor, nuint count, int timeout);

    /// <summary>Waits until <paramref name="fd"/> is ready for <paramref name="events"/>; an interrupted wait just returns.</summary>
    public static void WaitFor(int fd, short events, string path)
    {
        var descriptor = new PollDescriptor { Fd = fd, Events = events };
        var result = PollNative(ref descriptor, 1, -1);
        if (result < 0 && Marshal.GetLastPInvokeError() != LibC.EINTR)
        {
            ThrowIfFailed(result, "poll", path);
        }
    }

    /// <summary>struct pollfd.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct PollDescriptor
    {
        public int Fd;
        public short Events;
        public short ReturnedEvents;
    }
}
