namespace KnockKnock.Client.Connect;

/// <summary>
/// How hard <see cref="KnockConnector"/> tries: up to <paramref name="Knocks"/> knocks, the first
/// followed by connection attempts for <paramref name="Wait"/>, each further one for twice as long
/// as the one before, at most 8 times <paramref name="Wait"/> (1, 2, 4 s by default: 7 s in all);
/// the next knock comes when that time passed without a connection. The doubling is for a server that is slow to open, not for a lost knock
/// (that is retried after the first wait): a burst of knocks from one address, twenty connections
/// at once through ssh or the proxy, queues at the server's worker, and knocking again at a fixed
/// pace would only lengthen the queue.
/// </summary>
internal readonly record struct RetryPolicy(int Knocks, TimeSpan Wait)
{
    /// <summary>How long to try after knock <paramref name="number"/> (1 for the first).</summary>
    public TimeSpan WaitAfter(int number) => Wait * (1 << Math.Min(number - 1, 3));

    /// <summary>All the waits together: how long a connection that never comes takes to fail.</summary>
    public TimeSpan Total
    {
        get
        {
            var total = TimeSpan.Zero;
            for (var number = 1; number <= Knocks; number++)
            {
                total += WaitAfter(number);
            }
            return total;
        }
    }

    /// <summary>Knocks before giving up: a lost knock or a lost LOG line is retried twice.</summary>
    public const int DefaultKnocks = 3;

    /// <summary>
    /// Milliseconds to wait for the connection after each knock. A knock opens the port here in
    /// 10 – 30 ms (docs/PERFORMANCE.md, "Knock and connect"): the rest covers the round trip to a
    /// distant server, a daemon host under load, and a slow disk under the counter's fsync.
    /// </summary>
    public const int DefaultWaitMilliseconds = 1000;

    /// <summary>
    /// The most knocks one connection may use. Every knock uses up a counter even when it is lost,
    /// and the server accepts up to 19 lost in a row (docs/PROTOCOL.md, "Lost packets"): one
    /// connection that fails with this many knocks leaves the counters in sync.
    /// </summary>
    public const int MaximumKnocks = 10;

    public const int MinimumWaitMilliseconds = 100;

    public const int MaximumWaitMilliseconds = 10_000;
}
