using System.Runtime.InteropServices;
using Tmds.Linux;

namespace KnockKnock.Crypto;

internal static partial class Interop
{
    /// <summary>poll(2); ours because Tmds.LibC's errno is not reliable (see Interop.Errors.cs).</summary>
    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static unsafe partial int PollNative(pollfd* descriptors, nuint count, int timeout);

    /// <summary>Waits until <paramref name="fd"/> is ready for <paramref name="events"/>; an interrupted wait just returns.</summary>
    public static unsafe void WaitFor(int fd, short events, string path)
    {
        var descriptor = new pollfd { fd = fd, events = events };
        var result = PollNative(&descriptor, 1, -1);
        if (result < 0 && Marshal.GetLastPInvokeError() != LibC.EINTR)
        {
            ThrowIfFailed(result, "poll", path);
        }
    }
}
