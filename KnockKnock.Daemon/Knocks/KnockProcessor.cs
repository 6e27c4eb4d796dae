using KnockKnock.Crypto.Protocol;
using KnockKnock.Daemon.Log;

namespace KnockKnock.Daemon.Knocks;

/// <summary>
/// The per-line path (DESIGN.md, data path): parse the LOG line, find the profile by knock port,
/// check the knock (tag first, over the counter window), store matched+1 durably, check the
/// allowed ports, then ask the worker to open. Bogus lines cost one parse, one table read and one
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
    private long _lastSummary = Environment.TickCount64;

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
    }

    /// <summary>Raised on the knock thread after an opening was granted.</summary>
    public event Action? Opened;

    public GrantedOpenings Openings { get; } = new();

    public KnockStatistics Statistics { get; } = new();

    /// <summary>Handles one log line; never throws for bad input.</summary>
    public void Process(ReadOnlySpan<byte> line)
    {
        Handle(line);
        var now = Environment.TickCount64;
        if (now - _lastSummary >= (long)SummaryInterval.TotalMilliseconds)
        {
            _lastSummary = now;
            if (Statistics.TakeRecentSummary() is { } summary)
            {
                _log.Info(summary);
            }
        }
    }

    private void Handle(ReadOnlySpan<byte> line)
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
        var fields = new KnockFields(knock.Id, knock.Sequence, knock.Acknowledgment, knock.Window);
        if (!profile.Cipher.TryOpen(fields, profile.NextCounter, _errorWindow, knock.DestinationPort, knock.Source, out var matched, out var port))
        {
            Statistics.Count(KnockRejection.BadTag);
            return;
        }
        profile.Accept(matched);
        var source = knock.Source;
        if (!profile.Profile.AllowedPorts.Contains(port))
        {
            Statistics.Count(KnockRejection.PortNotAllowed);
            _log.Warning($"knock from {source} for profile {profile.Profile.Name} asked for port {port}, which the profile does not allow (allow = {profile.Profile.AllowedPorts.Text})");
            return;
        }
        if (!_opener.TryOpen(knock.Source, port, _delaySeconds, out var error))
        {
            Statistics.Count(KnockRejection.OpenFailed);
            _log.Error($"knock from {source} for profile {profile.Profile.Name} port {port} accepted, but opening failed: {error}");
            return;
        }
        Statistics.CountAccepted();
        var now = _time.GetUtcNow();
        profile.LastAccepted = now;
        Openings.Add(new GrantedOpening(profile.Profile.Name, knock.Source, port, now.AddSeconds(_delaySeconds)));
        Opened?.Invoke();
        _log.Info($"accepted knock: profile {profile.Profile.Name}, source {source}, port {port} open for {_delaySeconds} s (counter {matched})");
    }
}
