namespace KnockKnock.Daemon.Knocks;

/// <summary>
/// The v2 knocks the daemon used in the last few minutes, by source, source port and sequence
/// number: what a retransmission of the same SYN keeps (a v2 client sends the retransmissions a
/// dropped connect() would, with the IP ID or flow label and TSval changed, so they fail the tag).
/// A line that fails the tag but matches one of these is a retransmission, counted on its own and
/// neither as an attack nor as a second knock. Bounded; one thread; no allocation on lookup.
/// </summary>
internal sealed class RecentKnocks(TimeProvider time)
{
    /// <summary>How long a knock's retransmissions are recognised: longer than a connect() retries (about 130 s with Linux defaults).</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(3);

    private const int Capacity = 4096;
    private readonly Dictionary<(HostAddress Source, ushort SourcePort, uint Sequence), long> _seen = new(Capacity);

    public void Add(HostAddress source, ushort sourcePort, uint sequence)
    {
        var now = time.GetTimestamp();
        if (_seen.Count >= Capacity)
        {
            foreach (var (key, at) in _seen)
            {
                if (time.GetElapsedTime(at, now) > Lifetime)
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
        _seen[(source, sourcePort, sequence)] = now;
    }

    /// <summary>Whether a SYN from this source, port and sequence number is a retransmission of a recent knock.</summary>
    public bool Contains(HostAddress source, ushort sourcePort, uint sequence)
        => _seen.TryGetValue((source, sourcePort, sequence), out var at) && time.GetElapsedTime(at) <= Lifetime;
}
