using System.Diagnostics.CodeAnalysis;

namespace KnockKnock.Daemon;

/// <summary>
/// Argument and state checks at public edges. A failed system call becomes an exception in
/// <see cref="Interop.ErrnoException"/> only (the root worker may use Interop, not this class).
/// </summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    public static void ThrowArgument(string paramName, string message) =>
        throw new ArgumentException(message, paramName);

    [DoesNotReturn]
    public static void ThrowInvalidOperation(string message) =>
        throw new InvalidOperationException(message);
}
