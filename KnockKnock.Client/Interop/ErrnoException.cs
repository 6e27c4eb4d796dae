namespace KnockKnock.Client;

/// <summary>A system call failed; names the call (made only by <see cref="Interop.GetExceptionForErrno"/>).</summary>
internal sealed class ErrnoException : IOException
{
    public ErrnoException(string call, string description)
        : base($"{call}: {description}")
    {
        Description = description;
    }

    /// <summary>strerror(errno), e.g. "Network is unreachable".</summary>
    public string Description { get; }
}
