namespace KnockKnock.Daemon.Log;

/// <summary>What <see cref="ILogSource.Resume"/> did, as one line for the daemon's log; a warning when a saved position could not be used.</summary>
internal sealed record Resumption(string Message, bool IsWarning)
{
    /// <summary>
    /// The default of <c>max_knock_age</c>: a knock read while catching up that was logged longer ago
    /// than this is not opened (README, "Restarts"). It covers a reload or a crash restart with room to
    /// spare, and is shorter than the two minutes a client's TCP connect keeps retrying.
    /// </summary>
    public const int DefaultMaxKnockAgeSeconds = 30;

    public static Resumption Info(string message) => new(message, false);

    public static Resumption Warning(string message) => new(message, true);
}
