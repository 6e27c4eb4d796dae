using System.Globalization;
using KnockKnock.Daemon.Firewall;

namespace KnockKnock.Daemon.Worker;

/// <summary>
/// The worker's watch over the firewall it depends on (DESIGN.md invariant 10: no knock lost to a
/// firewall reload). Every <see cref="CheckInterval"/> it has the backend check what openings need
/// and recreate what a reload removed (an opening that notices it does the same); it remembers when
/// that last happened, and answers the daemon's <c>check</c> with that time and with how many knock
/// ports lack a LOG rule. That count comes from the firewall tool's listing, read at most every
/// <see cref="LogCheckInterval"/> whatever the daemon asks. Runs on the worker's one thread.
/// </summary>
internal sealed class FirewallUpkeep(TimeProvider time, Action<string> log)
{
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(10);

    public static readonly TimeSpan LogCheckInterval = TimeSpan.FromMinutes(1);

    private DateTimeOffset? _lastRecreated;
    private DateTimeOffset _nextCheck = time.GetUtcNow() + CheckInterval;
    private DateTimeOffset _nextLogCheck = DateTimeOffset.MinValue;
    private string _unlogged = "?";
    private bool _failing;

    /// <summary>The backends' callback: one line about what they recreated, logged, and its time kept.</summary>
    public void Recreated(string what)
    {
        _lastRecreated = time.GetUtcNow();
        log(what);
    }

    /// <summary>How long the serve loop may wait for a request before the next check is due (0: now), in milliseconds.</summary>
    public int MillisecondsUntilCheck()
        => (int)Math.Clamp(Math.Ceiling((_nextCheck - time.GetUtcNow()).TotalMilliseconds), 0, CheckInterval.TotalMilliseconds);

    /// <summary>The periodic check, when it is due (then true); a failure is logged once until a check succeeds again.</summary>
    public bool CheckIfDue(IFirewallOpenings openings)
    {
        var now = time.GetUtcNow();
        if (now < _nextCheck)
        {
            return false;
        }
        _nextCheck = now + CheckInterval;
        var failed = openings.TryRepair(out var error) == RepairOutcome.Failed;
        if (failed && !_failing)
        {
            log($"cannot check or recreate what openings need (knocks may open nothing until it works again): {error}");
        }
        else if (!failed && _failing)
        {
            log("what openings need is in place again");
        }
        _failing = failed;
        return true;
    }

    /// <summary>The reply to <c>check</c>: <c>ok RECREATED UNLOGGED</c> (see <see cref="WorkerRequest"/>).</summary>
    public string Answer(IFirewallBackend backend, WorkerPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(policy);
        var now = time.GetUtcNow();
        if (now >= _nextLogCheck)
        {
            _nextLogCheck = now + LogCheckInterval;
            var unlogged = backend.FindUnlogged(policy.Profiles.Values.Select(p => p.KnockPort), policy.LogPrefix, out _);
            _unlogged = unlogged is null ? "?" : unlogged.Count.ToString(CultureInfo.InvariantCulture);
        }
        var recreated = _lastRecreated is { } at ? at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) : "-";
        return $"ok {recreated} {_unlogged}";
    }
}
