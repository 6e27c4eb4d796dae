namespace KnockKnock;

/// <summary>
/// An environment or configuration failure with the one-line message and exit code a command
/// prints and returns. Expected protocol failures (bad tag, replay) are never exceptions.
/// </summary>
public sealed class KnockKnockException : Exception
{
    public KnockKnockException(int exitCode, string message)
        : base(message) => ExitCode = exitCode;

    public KnockKnockException(int exitCode, string message, Exception inner)
        : base(message, inner) => ExitCode = exitCode;

    public int ExitCode { get; }

    /// <summary>The project's throw helper for configuration mistakes (exit 2).</summary>
    public static KnockKnockException Usage(string message) => new(ExitCodes.Usage, message);

    /// <summary>The project's throw helper for runtime failures (exit 1).</summary>
    public static KnockKnockException Failure(string message) => new(ExitCodes.Failure, message);
}
