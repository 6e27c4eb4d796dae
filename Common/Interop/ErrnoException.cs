using System.Runtime.InteropServices;

namespace KnockKnock;

/// <summary>
/// A libc call failed. The one exception every native failure becomes (made only by
/// <see cref="Interop.Error"/>): names the call and, when there is one, the path or descriptor it
/// was about, e.g. <c>open /var/lib/knockknock: Permission denied</c>.
/// </summary>
internal sealed class ErrnoException : IOException
{
    public ErrnoException(string call, string? path, int errno)
        : base(path is null ? $"{call}: {Marshal.GetPInvokeErrorMessage(errno)}" : $"{call} {path}: {Marshal.GetPInvokeErrorMessage(errno)}")
    {
        Call = call;
        Errno = errno;
        HResult = errno;
    }

    /// <summary>The call that failed, e.g. <c>open</c>.</summary>
    public string Call { get; }

    /// <summary>errno of the failed call.</summary>
    public int Errno { get; }

    /// <summary>strerror(errno), e.g. "Network is unreachable".</summary>
    public string Description => Marshal.GetPInvokeErrorMessage(Errno);
}
