using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace KnockKnock.Client.Connect;

/// <summary>
/// Knock, then connect, with retries: a knock opens the port for one new connection some tens of
/// milliseconds after it arrives, so connection attempts start shortly after the knock and follow
/// one another (<see cref="AttemptTimes"/>) until one connects or the policy's wait is over; then
/// the next knock, with the next counter and a longer wait (<see cref="RetryPolicy"/>). After the
/// last knock's wait: one line that says what was tried and what to check.
/// </summary>
internal static class KnockConnector
{
    /// <summary>
    /// When connection attempts start, counted from the knock: every 5 ms for the first 100 ms (a
    /// knock opens the port here 5 – 76 ms after it left, median 12 ms, docs/PERFORMANCE.md
    /// section 6), every 25 ms until 500 ms, then every 250 ms: 38 attempts in the
    /// first second. The distance to the server does not matter (an attempt and the knock travel
    /// the same way), only the time the server takes to open: an idle one costs about six dropped
    /// attempts. A busy one (many knocks from this address at once, each replacing the opening of
    /// the one before) still meets an attempt soon after each opening.
    /// </summary>
    public static IEnumerable<TimeSpan> AttemptTimes(TimeSpan wait)
    {
        for (var at = 5.0; at < wait.TotalMilliseconds; at += at < 100 ? 5 : at < 500 ? 25 : 250)
        {
            yield return TimeSpan.FromMilliseconds(at);
        }
    }

    /// <summary>
    /// Knocks and connects to the knocker's destination and port, telling <paramref name="progress"/>
    /// (null: nobody) each step in a line. Returns false with the <paramref name="failure"/>
    /// (one line) when no knock led to a connection.
    /// </summary>
    public static bool TryConnect(ServiceKnocker knocker, RetryPolicy policy, Action<string>? progress, [NotNullWhen(true)] out FileDescriptorHandle? connection, out ConnectFailure failure)
    {
        using var attempts = new ConnectAttempts(knocker.Destination, knocker.Port);
        var counters = new List<ulong>();
        var service = $"{knocker.Destination} port {knocker.Port}";
        for (var number = 1; number <= policy.Knocks; number++)
        {
            var knock = knocker.Knock();
            counters.Add(knock.Counter);
            progress?.Invoke(Invariant($"knock {number} of {policy.Knocks} sent to {Bracketed(knocker.Host)}:{knocker.KnockPort} ({knocker.Destination}) for port {knocker.Port}: counter {knock.Counter}, source port {knock.SourcePort}{Decoys(knock)}"));
            var wait = policy.WaitAfter(number);
            connection = Attempt(attempts, knock.Sent, wait);
            if (connection is not null)
            {
                progress?.Invoke(Invariant($"connected to {service}, {Stopwatch.GetElapsedTime(knock.Sent).TotalMilliseconds:F0} ms after knock {number} ({attempts.Started} attempts)"));
                failure = default;
                return true;
            }
            if (number < policy.Knocks)
            {
                progress?.Invoke(Invariant($"no connection to {service} within {wait.TotalMilliseconds:F0} ms of knock {number}{LastError(attempts)}; knocking again"));
            }
        }
        var counterText = counters.Count == 1 ? Invariant($"counter {counters[0]}") : Invariant($"counters {counters[0]}-{counters[^1]}");
        var message = Invariant($"no connection to {knocker.Host} port {knocker.Port} ({knocker.Destination}) after {policy.Knocks} knock{(policy.Knocks == 1 ? "" : "s")} to knock port {knocker.KnockPort} ({counterText}) in {policy.Total.TotalSeconds:0.#} s{LastError(attempts)}: ")
            + Invariant($"check that knockknock-daemon runs on {knocker.Host} (knockknock-daemon status), that its firewall LOGs SYNs to port {knocker.KnockPort} (knockknock-daemon check), that the profile allows port {knocker.Port}, and that the counters are in sync (status counts rejected knocks)");
        failure = new ConnectFailure(message, attempts.LastError);
        connection = null;
        return false;
    }

    /// <summary>Starts attempts at <see cref="AttemptTimes"/> after <paramref name="sent"/> and waits for one until <paramref name="wait"/> after it.</summary>
    private static FileDescriptorHandle? Attempt(ConnectAttempts attempts, long sent, TimeSpan wait)
    {
        var end = sent + Ticks(wait);
        foreach (var at in AttemptTimes(wait))
        {
            if (attempts.WaitUntil(Math.Min(sent + Ticks(at), end)) is { } early)
            {
                return early;
            }
            if (attempts.Start() is { } immediate)
            {
                return immediate;
            }
        }
        return attempts.WaitUntil(end);
    }

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    private static string LastError(ConnectAttempts attempts)
        => attempts.LastError == 0 ? "" : $" (last attempt: {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(attempts.LastError)})";

    private static string Decoys(ServiceKnock knock)
        => knock.DecoyProcess is { } pid ? Invariant($"; decoy retransmissions from process {pid}") : "";

    private static string Bracketed(string host) => host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host;

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
