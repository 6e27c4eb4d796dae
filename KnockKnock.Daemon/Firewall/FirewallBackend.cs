namespace KnockKnock.Daemon.Firewall;

/// <summary>Runs one argv (absolute tool path first); false and one line of error when it fails.</summary>
internal delegate bool ToolRunner(string[] argv, out string error);

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

    /// <summary>Removes every opening (leftovers at start, flush, exit) and sets up what openings need; throws if it cannot.</summary>
    public abstract void Reset();

    public abstract bool TryOpen(Opening opening, out string error);

    /// <summary>Best effort: the kernel expires the opening anyway; false when the tool failed.</summary>
    public abstract bool TryClose(Opening opening, out string error);

    protected void RunOrThrow(string[] argv)
    {
        if (!Run(argv, out var error))
        {
            throw new InvalidOperationException($"{string.Join(' ', argv)}: {error}");
        }
    }
}
