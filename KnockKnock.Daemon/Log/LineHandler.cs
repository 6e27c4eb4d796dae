namespace KnockKnock.Daemon.Log;

/// <summary>Receives one log message, without its newline or source header. The span is valid only during the call.</summary>
internal delegate void LineHandler(ReadOnlySpan<byte> line);
