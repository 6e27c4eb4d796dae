using KnockKnock.Crypto.Protocol;
using KnockKnock.Daemon.Log;
using KnockKnock.Daemon.Worker;

namespace KnockKnock.Daemon.Knocks;

/// <summary>
/// The per-line path (DESIGN.md, data path): parse the LOG line, find the profile by knock port,
/// check the knock (tag first, over the counter window), check the allowed ports, then ask the
/// worker, which stores matched+1 durably before it opens. Bogus lines cost one parse, one table read and one
/// batched AES call, and allocate nothing. Every rejection is counted; a summary is logged at most
/// every <see cref="SummaryInterval"/>.
/// </summary>
internal sealed class KnockProcessor
{
    public static readonly TimeSpan SummaryInterval = TimeSpan.FromSeconds(10);

    private readonly LogLineParser _parser;
    private readonly ProfileIndex _profiles;
    private readonly IPortOpener _opener;
    private readonly DaemonLog _log;
    private readonly int _delaySeconds;
    private readonly int _errorWindow;
    private readonly TimeProvider _time;
    private readonly RecentKnocks _recent;
    private long _lastSummary = Environment.TickCount64;
    private long? _lastInternalError;

    public KnockProcessor(LogLineParser parser, ProfileIndex profiles, IPortOpener opener, DaemonLog log, int delaySeconds, int errorWindow, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delaySeconds, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(errorWindow, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(errorWindow, KnockCipher.MaxWindow);
        _parser = parser;
        _profiles = profiles;
        _opener = opener;
        _log = log;
        _delaySeconds = delaySeconds;
        _errorWindow = errorWindow;
        _time = time ?? TimeProvider.System;
        _recent = new RecentKnocks(_time);
    }

    /// <summary>Raised on the knock thread after an opening was granted.</summary>
    public event Action? Opened;

    public GrantedOpenings Openings { get; } = new();

    public KnockStatistics Statistics { get; } = new();

    /// <summary>
    /// A knock the log source read while catching up on what was logged before the daemon started,
    /// logged longer ago than this, is not opened: its sender has given up on it (README, "Restarts").
    /// </summary>
    public TimeSpan MaxKnockAge { get; init; } = TimeSpan.FromSeconds(Resumption.DefaultMaxKnockAgeSeconds);

    /// <summary>Handles one log line logged while the daemon ran; never throws for bad input.</summary>
    public void Process(ReadOnlySpan<byte> line) => Process(line, null);

    /// <summary>
    /// Handles one log line, with its age when it was logged before the daemon started
    /// (<see cref="LineHandler"/>); never throws for bad input. A bug that a line triggers (an
    /// arithmetic, index or argument exception) costs that line only: it is counted as
    /// <see cref="KnockRejection.InternalError"/> and logged at most once a minute, so no packet
    /// can stop the daemon.
    /// </summary>
    public void Process(ReadOnlySpan<byte> line, TimeSpan? replayAge)
    {
        var now = Environment.TickCount64;
        try
        {
            Handle(line, replayAge);
        }
        catch (Exception e) when (e is ArithmeticException or IndexOutOfRangeException or ArgumentException)
        {
            Statistics.Count(KnockRejection.InternalError);
            if (_lastInternalError is not { } last || now - last >= 60_000)
            {
                _lastInternalError = now;
                _log.Error($"a log line hit a bug and was dropped ({e.GetType().Name}: {e.Message}); please report it with the kernel log line of this moment");
            }
        }
        if (now - _lastSummary >= (long)SummaryInterval.TotalMilliseconds)
        {
            _lastSummary = now;
            if (Statistics.TakeRecentSummary() is { } summary)
            {
                _log.Info(summary);
            }
        }
    }

    private void Handle(ReadOnlySpan<byte> line, TimeSpan? replayAge)
    {
        if (!_parser.TryParse(line, out var knock, out var reason))
        {
            // Other kernel messages are not knocks; everything else with our prefix is counted.
            if (reason != LogLineRejection.NoPrefix)
            {
                Statistics.Count(reason);
            }
            return;
        }
        var profile = _profiles.Find(knock.DestinationPort);
        if (profile is null)
        {
            Statistics.Count(KnockRejection.UnknownKnockPort);
            return;
        }
        if (!profile.TryOpen(knock, _errorWindow, out var matched, out var port))
        {
            if (profile.RetransmitsKnocks && knock.HasTimestamp && _recent.IsRetransmission(knock.Source, knock.SourcePort, knock.DestinationPort, knock.Sequence, knock.Timestamp))
            {
                Statistics.CountRetransmission();
                return;
            }
            Statistics.Count(KnockRejection.BadTag);
            return;
        }
        var source = knock.Source;
        if (profile.RetransmitsKnocks)
        {
            _recent.Add(source, knock.SourcePort, knock.DestinationPort, knock.Sequence, knock.Timestamp);
        }
        var name = profile.Profile.Name;
        if (!profile.Profile.AllowedPorts.Contains(port) || _profiles.Find(port) is not null)
        {
            // Nothing opens, so nothing needs storing: a resend is refused as used until a restart, and opens nothing after one.
            profile.MarkUsed(matched);
            Statistics.Count(KnockRejection.PortNotAllowed);
            _log.Warning($"knock from {source} for profile {name} asked for port {port}, which the profile may not open (allow = {profile.Profile.AllowedPorts.Text}; knock ports never open)");
            return;
        }
        if (replayAge > MaxKnockAge)
        {
            // Nothing opens, so nothing needs storing, as above.
            profile.MarkUsed(matched);
            Statistics.Count(KnockRejection.TooOld);
            var when = replayAge == TimeSpan.MaxValue ? "at a time its log line does not say" : $"{replayAge.Value.TotalSeconds:0.0} s before the daemon read it";
            _log.Warning($"knock from {source} for profile {name} port {port} not opened: it was logged {when}, while no daemon was reading the log, and max_knock_age is {MaxKnockAge.TotalSeconds:0} s");
            return;
        }
        switch (_opener.TryOpen(name, matched, source, port, _delaySeconds, out var why))
        {
            case OpenOutcome.Refused when why.StartsWith("counter-not-stored", StringComparison.Ordinal):
                Statistics.Count(KnockRejection.CounterNotStored);
                _log.Error($"knock from {source} for profile {name} port {port} not opened: its counter could not be stored ({why}); the knock stays valid, resend it when the disk is back");
                return;
            case OpenOutcome.Refused:
                Statistics.Count(KnockRejection.OpenRefused);
                _log.Error($"knock from {source} for profile {name} port {port} refused by the worker: {why}");
                return;
            case OpenOutcome.Failed:
                profile.MarkUsed(matched);
                Statistics.Count(KnockRejection.OpenFailed);
                _log.Error($"knock from {source} for profile {name} port {port} accepted, but opening failed: {why}");
                return;
        }
        profile.MarkUsed(matched);
        Statistics.CountAccepted();
        var now = _time.GetUtcNow();
        profile.LastAccepted = now;
        Openings.Add(new GrantedOpening(name, source, port, now.AddSeconds(_delaySeconds)));
        Opened?.Invoke();
        _log.Info($"accepted knock: profile {name}, source {source}, port {port} open for {_delaySeconds} s (counter {matched})");
    }
}
