namespace KnockKnock.Daemon.Log;

/// <summary>
/// The header fields of a /dev/kmsg record that the daemon uses: PRI (facility * 8 + level), SEQ
/// (the record's sequence number, counting from 0 at boot) and TS_USEC (when it was logged, in µs of
/// CLOCK_MONOTONIC).
/// </summary>
internal readonly record struct KmsgHeader(int Priority, ulong Sequence, ulong Microseconds);
