namespace KnockKnock.Daemon.Firewall;

/// <summary>Runs one argv (absolute tool path first): its stdout, or false and one line of error when it fails.</summary>
internal delegate bool ToolRunner(string[] argv, out string output, out string error);

/// <summary>One opening: NEW TCP connections from <see cref="Source"/> to <see cref="Port"/> until <see cref="Until"/>.</summary>
internal readonly record struct Opening(uint Source, ushort Port, int Seconds, DateTimeOffset Until);

/// <summary>What the worker runs, per firewall kind, to reset, open and close. One subclass per tool.</summary>
internal abstract class FirewallBackend(ToolRunner run)
{
    protected ToolRunner Run { get; } = run;

    public static FirewallBackend Create(FirewallKind kind, NftSet nftSet, ToolRunner run) => kind switch
    {
        FirewallKind.Nft => new NftBackend(nftSet, run),
        FirewallKind.Iptables => new IptablesBackend(run),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>Removes every opening (flush, exit) and sets up what openings need; throws if it cannot.</summary>
    public abstract void Reset();

    /// <summary>
    /// Start-up: sets up what openings need, removes what earlier runs left that has expired, and
    /// returns the openings still valid (the caller re-arms their close timers); throws if it
    /// cannot. <paramref name="notes"/> receives what it found but left alone.
    /// </summary>
    public abstract IReadOnlyList<Opening> Resume(DateTimeOffset now, List<string> notes);

    public abstract bool TryOpen(Opening opening, out string error);

    /// <summary>Best effort: the kernel expires the opening anyway; false when the tool failed.</summary>
    public abstract bool TryClose(Opening opening, out string error);

    protected bool TryRun(string[] argv, out string error) => Run(argv, out _, out error);

    protected string RunOrThrow(string[] argv)
        => Run(argv, out var output, out var error) ? output : throw new InvalidOperationException($"{string.Join(' ', argv)}: {error}");
}
