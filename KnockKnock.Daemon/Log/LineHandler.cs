namespace KnockKnock.Daemon.Log;

/// <summary>
/// Receives one log message, without its newline or source header. The span is valid only during
/// the call. <paramref name="replayAge"/> is null for a record logged while the source was
/// following; for a record it reads while catching up on what was logged before (after
/// <see cref="ILogSource.Resume"/>, or when the journal came back), until it first reaches the end
/// of the log, it is how long before the read the record was logged (zero when its time lies ahead,
/// <see cref="TimeSpan.MaxValue"/> when it has none the source can read).
/// </summary>
internal delegate void LineHandler(ReadOnlySpan<byte> line, TimeSpan? replayAge);
