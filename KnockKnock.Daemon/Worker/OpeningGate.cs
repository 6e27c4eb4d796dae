using System.Text;

namespace KnockKnock.Daemon.Worker;

/// <summary>
/// The worker's answer to each <c>open</c>, in the order that keeps the invariants (DESIGN.md 4-6):
/// the request must fit the <see cref="WorkerPolicy"/> root gave at start (known profile, a port that
/// profile may open and no knock port, the configured delay, a unicast host address, a counter in
/// the profile's window, room under the caps); then the profile's counter moves past the request's
/// counter durably; only then does the firewall open. A compromised daemon gets exactly what a valid
/// knock could get, once per counter value. Refusals are counted and logged, at most one line a second.
/// </summary>
internal sealed class OpeningGate(WorkerPolicy policy, IReadOnlyDictionary<string, CounterFile> counters, ActiveOpenings openings, RateLimiter rate, TimeProvider time, Action<string> log)
{
    private static readonly TimeSpan s_logInterval = TimeSpan.FromSeconds(1);
    private readonly SortedDictionary<string, long> _refusedSinceLog = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _refused = new(StringComparer.Ordinal);
    private long _lastLog = long.MinValue;

    /// <summary>Refusals since start, by reason.</summary>
    public IReadOnlyDictionary<string, long> Refused => _refused;

    /// <summary>Handles one <c>open</c>; returns the reply (see <see cref="WorkerRequest"/>).</summary>
    public string Handle(WorkerRequest request)
    {
        var refusal = Check(request, out var counter);
        if (refusal is not null)
        {
            Refuse(refusal);
            return "refused " + refusal;
        }
        if (!counter.TryAdvance(checked(request.Counter + 1), out var error))
        {
            Refuse("counter-not-stored");
            return "refused counter-not-stored: " + error;
        }
        return openings.TryOpen(request.Source, request.Port, request.Seconds, out error) ? "ok" : "failed " + error;
    }

    /// <summary>The reason this request falls outside the policy, or null (then <paramref name="counter"/> is the profile's).</summary>
    private string? Check(WorkerRequest request, out CounterFile counter)
    {
        counter = null!;
        if (!policy.Profiles.TryGetValue(request.Profile, out var rule) || !counters.TryGetValue(request.Profile, out counter!))
        {
            return "unknown-profile";
        }
        if (!rule.Allowed.Contains(request.Port) || policy.IsKnockPort(request.Port))
        {
            return "port-not-allowed";
        }
        if (request.Seconds != policy.DelaySeconds)
        {
            return "wrong-delay";
        }
        if (!request.Source.IsUnicastHost)
        {
            return "not-a-unicast-host";
        }
        if (request.Counter < counter.Value)
        {
            return "counter-used";
        }
        if (request.Counter - counter.Value >= (ulong)policy.Window || request.Counter == ulong.MaxValue)
        {
            return "counter-beyond-window";
        }
        if (openings.Count >= policy.MaxOpenings && !openings.Contains(request.Source, request.Port))
        {
            return "too-many-openings";
        }
        return rate.TryTake() ? null : "rate-limit";
    }

    private void Refuse(string reason)
    {
        _refused[reason] = _refused.GetValueOrDefault(reason) + 1;
        _refusedSinceLog[reason] = _refusedSinceLog.GetValueOrDefault(reason) + 1;
        var now = time.GetTimestamp();
        if (_lastLog != long.MinValue && time.GetElapsedTime(_lastLog, now) < s_logInterval)
        {
            return;
        }
        _lastLog = now;
        var line = new StringBuilder("refused requests outside the policy:");
        foreach (var (name, count) in _refusedSinceLog)
        {
            line.Append(' ').Append(name).Append('=').Append(count);
        }
        _refusedSinceLog.Clear();
        log(line.ToString());
    }
}
