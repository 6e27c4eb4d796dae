using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace KnockKnock.Daemon;

/// <summary>The daemon's one place that builds exceptions: argument checks at public edges and failed syscalls.</summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    public static void ThrowArgument(string paramName, string message) =>
        throw new ArgumentException(message, paramName);

    [DoesNotReturn]
    public static void ThrowInvalidOperation(string message) =>
        throw new InvalidOperationException(message);

    /// <summary>Throws an <see cref="IOException"/> naming the failed call, the path it was about and errno.</summary>
    [DoesNotReturn]
    public static void ThrowErrno(string call, string path, int errno) =>
        throw new IOException($"{call}({path}) failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})", errno);
}
