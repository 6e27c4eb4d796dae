using System.Runtime.InteropServices;
using Tmds.Linux;

namespace KnockKnock.Daemon;

internal static partial class Interop
{
    /// <summary>int poll(struct pollfd *fds, nfds_t nfds, int timeout). Never restarted after a signal: EINTR.</summary>
    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static unsafe partial int Poll(pollfd* fds, nuint count, int timeoutMilliseconds);
}
