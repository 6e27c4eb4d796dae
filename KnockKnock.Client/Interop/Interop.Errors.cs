using System.Runtime.InteropServices;

namespace KnockKnock.Client;

/// <summary>
/// The client's only door to libc (raw sender and route lookup). Each function has its own file
/// and its own SetLastError import, so <see cref="Marshal.GetLastPInvokeError"/> holds that call's
/// errno (Tmds.LibC's <c>LibC.errno</c> is not used: it can be stale). This file is the single
/// place where errno becomes an exception.
/// </summary>
internal static partial class Interop
{
    internal static ErrnoException GetExceptionForErrno(string call, int errno)
        => new(call, Marshal.GetPInvokeErrorMessage(errno));

    /// <summary>Throws for the errno of the import just called when <paramref name="result"/> is -1.</summary>
    internal static void ThrowIfFailed(long result, string call)
    {
        if (result == -1)
        {
            throw GetExceptionForErrno(call, Marshal.GetLastPInvokeError());
        }
    }
}
