namespace KnockKnock.Daemon.Knocks;

/// <summary>
/// The v2 knocks the daemon used in the last few minutes, by source, source port, knock port and
/// sequence number: what a retransmission of the same SYN keeps (a v2 client sends the
/// retransmissions a dropped connect() would, with the IP ID or flow label and TSval changed, so
/// they fail the tag). A line that fails the tag is a retransmission only if it also looks like one:
/// its TSval is later than the knock's by no more than the time since (plus slack), and the knock has
/// had fewer than <see cref="MaximumRetransmissions"/> of them; anything else stays a rejected knock.
/// So someone who saw a used knock can hide at most that many forgeries from the rejection counts.
/// Bounded; one thread; no allocation on lookup.
/// </summary>
internal sealed class RecentKnocks(TimeProvider time)
{
    /// <summary>
    /// How long a knock's retransmissions are recognised: longer than Linux's defaults retry a SYN
    /// (the last at +67 s, the connect() failing at about +133 s). Clients with larger
    /// tcp_syn_retries send later ones, which count as rejected.
    /// </summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(3);

    /// <summary>More than Linux's default train (10: tcp_syn_retries 6 + tcp_syn_linear_timeouts 4).</summary>
    public const int MaximumRetransmissions = 16;

    // A TSval may run ahead of the daemon's clock by the network's and the kernel's delays.
    private const long TimestampSlackMilliseconds = 2000;

    private const int Capacity = 4096;
    private readonly Dictionary<(HostAddress Source, ushort SourcePort, ushort KnockPort, uint Sequence), Entry> _seen = new(Capacity);

    public void Add(HostAddress source, ushort sourcePort, ushort knockPort, uint sequence, uint timestamp)
    {
        var now = time.GetTimestamp();
        if (_seen.Count >= Capacity)
        {
            foreach (var (key, entry) in _seen)
            {
                if (time.GetElapsedTime(entry.At, now) > Lifetime)
                {
                    _seen.Remove(key);
                }
            }
            if (_seen.Count >= Capacity)
            {
                // Only a flood of valid knocks fills it (the worker caps openings per second): forget the oldest meaning.
                _seen.Clear();
            }
        }
        _seen[(source, sourcePort, knockPort, sequence)] = new Entry(now, timestamp, 0);
    }

    /// <summary>Whether a SYN that failed its tag is a retransmission of a recent knock (and counts it as one).</summary>
    public bool IsRetransmission(HostAddress source, ushort sourcePort, ushort knockPort, uint sequence, uint timestamp)
    {
        var key = (source, sourcePort, knockPort, sequence);
        if (!_seen.TryGetValue(key, out var entry) || entry.Retransmissions >= MaximumRetransmissions)
        {
            return false;
        }
        var elapsed = time.GetElapsedTime(entry.At);
        var advanced = unchecked(timestamp - entry.Timestamp);
        if (elapsed > Lifetime || advanced > elapsed.TotalMilliseconds + TimestampSlackMilliseconds)
        {
            return false;
        }
        _seen[key] = entry with { Retransmissions = entry.Retransmissions + 1 };
        return true;
    }

    private readonly record struct Entry(long At, uint Timestamp, int Retransmissions);
}
