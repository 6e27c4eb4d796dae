using System.Runtime.InteropServices;

namespace KnockKnock.Daemon;

/// <summary>
/// The daemon's libc bindings, one file per function, each declared with SetLastError so that
/// <see cref="Marshal.GetLastPInvokeError"/> holds the errno of that call. Tmds.LibC's
/// <c>LibC.errno</c> is not used: it returns whatever the last SetLastError import saved, and some
/// of its imports (poll) do not save it, so it can be stale. Every failed call becomes an
/// exception here and only here.
/// </summary>
internal static partial class Interop
{
    /// <summary>Throws naming the call (and path) when <paramref name="result"/> is -1; returns it otherwise.</summary>
    /// <remarks>Only for results of this class's SetLastError imports, read right after the call.</remarks>
    public static int CheckResult(int result, string call, string? path = null)
        => result == -1 ? throw ErrnoException(call, path, Marshal.GetLastPInvokeError()) : result;

    /// <inheritdoc cref="CheckResult(int, string, string?)"/>
    public static long CheckResult(long result, string call, string? path = null)
        => result == -1 ? throw ErrnoException(call, path, Marshal.GetLastPInvokeError()) : result;

    /// <summary>
    /// The one place errno is turned into an exception: an <see cref="IOException"/> whose HResult
    /// is errno and whose message is one line, e.g. <c>poll(/dev/kmsg) failed: Bad address (errno 14)</c>.
    /// </summary>
    public static IOException ErrnoException(string call, string? path, int errno)
    {
        var what = path is null ? call : $"{call}({path})";
        return new IOException($"{what} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})", errno);
    }
}
