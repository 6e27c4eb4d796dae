using System.Runtime.InteropServices;
using Tmds.Linux;

namespace KnockKnock.Client;

/// <summary>
/// The client's only door to libc (raw sender and route lookup). Each function has its own file;
/// this one is the single place where errno becomes an exception.
/// </summary>
internal static partial class Interop
{
    /// <summary>errno of the last call made through Tmds.LibC (its imports set SetLastError).</summary>
    internal static int LastErrno => LibC.errno;

    internal static ErrnoException GetExceptionForErrno(string call, int errno)
        => new(call, errno, Marshal.GetPInvokeErrorMessage(errno));

    /// <summary>Throws for the current errno when <paramref name="result"/> is -1.</summary>
    internal static void ThrowIfFailed(long result, string call)
    {
        if (result == -1)
        {
            throw GetExceptionForErrno(call, LastErrno);
        }
    }
}
