using System.Runtime.InteropServices;
using Tmds.Linux;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>int poll(struct pollfd *fds, nfds_t nfds, int timeout). Never restarted after a signal: EINTR.</summary>
    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static unsafe partial int PollNative(pollfd* descriptors, nuint count, int timeoutMilliseconds);

    /// <summary>
    /// Waits up to <paramref name="timeoutMilliseconds"/> (-1: forever) for <paramref name="events"/>
    /// on one descriptor; returns the events that happened, 0 on timeout or when a signal ended the
    /// wait (EINTR: the caller's loop looks again). Other failures throw.
    /// </summary>
    public static unsafe short Poll(FileDescriptorHandle fd, short events, int timeoutMilliseconds, string what)
    {
        var added = false;
        fd.DangerousAddRef(ref added);
        try
        {
            return Poll(fd.Fd, events, timeoutMilliseconds, what);
        }
        finally
        {
            fd.DangerousRelease();
        }
    }

    /// <inheritdoc cref="Poll(FileDescriptorHandle, short, int, string)"/>
    public static unsafe short Poll(int fd, short events, int timeoutMilliseconds, string what)
    {
        var descriptor = new pollfd { fd = fd, events = events };
        var result = PollNative(&descriptor, 1, timeoutMilliseconds);
        if (result < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno == LibC.EINTR ? (short)0 : throw Error("poll", what, errno);
        }
        return result == 0 ? (short)0 : descriptor.revents;
    }

    /// <summary>
    /// Waits up to <paramref name="timeoutMilliseconds"/> for the events each entry of
    /// <paramref name="descriptors"/> asks for; the kernel fills in each <c>revents</c>. Returns how
    /// many entries have events, 0 on timeout or after a signal (EINTR). The caller keeps the
    /// descriptors open during the call.
    /// </summary>
    public static unsafe int Poll(Span<pollfd> descriptors, int timeoutMilliseconds, string what)
    {
        fixed (pollfd* first = descriptors)
        {
            var result = PollNative(first, (nuint)descriptors.Length, timeoutMilliseconds);
            if (result < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                return errno == LibC.EINTR ? 0 : throw Error("poll", what, errno);
            }
            return result;
        }
    }
}
