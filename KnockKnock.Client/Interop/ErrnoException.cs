namespace KnockKnock.Client;

/// <summary>A system call failed; carries errno and the call's name (made only by <see cref="Interop.GetExceptionForErrno"/>).</summary>
internal sealed class ErrnoException : IOException
{
    public ErrnoException(string call, int errno, string description)
        : base($"{call}: {description}")
    {
        Call = call;
        Errno = errno;
        Description = description;
    }

    public string Call { get; }
    public int Errno { get; }

    /// <summary>strerror(errno), e.g. "Network is unreachable".</summary>
    public string Description { get; }
}
