using KnockKnock.Daemon.Worker;

namespace KnockKnock.Daemon.Host;

/// <summary>
/// The daemon's view of the firewall under its worker, refreshed every <see cref="Interval"/> by
/// asking the worker (<c>check</c>; the daemon itself cannot read the ruleset after the privilege
/// drop): when the worker last had to recreate what openings need after a reload (status shows it),
/// and one warning when no knock-prefixed line has arrived for <see cref="Silence"/> while the
/// worker finds knock ports without a LOG rule, as after a reload that removed the LOG rules. Either
/// alone is normal (knocks can be rare; a LOG rule the check does not recognise still logs). The
/// warning comes again only after lines or LOG rules have come back.
/// </summary>
internal sealed class FirewallWatch
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    public static readonly TimeSpan Silence = TimeSpan.FromMinutes(10);

    private readonly Func<WorkerCheck> _check;
    private readonly Func<long> _prefixedLines;
    private readonly DaemonLog _log;
    private readonly string _logPrefix;
    private readonly Lock _gate = new();
    private DateTimeOffset? _lastRecreated;
    private long _lines;
    private DateTimeOffset _lastLine;
    private bool _warned;

    /// <param name="check">Asks the worker (<see cref="WorkerClient.Check"/>).</param>
    /// <param name="prefixedLines">How many lines with the LOG prefix the daemon has read so far (accepted and rejected knocks).</param>
    public FirewallWatch(Func<WorkerCheck> check, Func<long> prefixedLines, DaemonLog log, string logPrefix, DateTimeOffset started)
    {
        (_check, _prefixedLines, _log, _logPrefix) = (check, prefixedLines, log, logPrefix);
        (_lines, _lastLine) = (prefixedLines(), started);
    }

    /// <summary>When the worker last recreated what openings need (as of the last <see cref="Poll"/>), or null.</summary>
    public DateTimeOffset? LastRecreated
    {
        get
        {
            lock (_gate)
            {
                return _lastRecreated;
            }
        }
    }

    /// <summary>Asks the worker; a worker that is gone is left to the daemon's own watch on it.</summary>
    public void Poll(DateTimeOffset now)
    {
        WorkerCheck check;
        try
        {
            check = _check();
        }
        catch (Exception e) when (e is IOException or TimeoutException)
        {
            return;
        }
        lock (_gate)
        {
            _lastRecreated = check.LastRecreated;
            var lines = _prefixedLines();
            if (lines != _lines)
            {
                (_lines, _lastLine, _warned) = (lines, now, false);
            }
            if (check.Unlogged == 0)
            {
                _warned = false;
            }
            else if (check.Unlogged > 0 && !_warned && now - _lastLine >= Silence)
            {
                _warned = true;
                _log.Warning($"no line with the LOG prefix \"{_logPrefix}\" for {(int)(now - _lastLine).TotalMinutes} minutes, and {check.Unlogged} knock port(s) lack a LOG rule for IPv4 or IPv6 "
                    + "(a firewall reload removed them?): knocks cannot arrive; run knockknock-daemon check");
            }
        }
    }
}
