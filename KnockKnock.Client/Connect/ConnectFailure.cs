namespace KnockKnock.Client.Connect;

/// <summary>Why no connection came about: one line for the user, and the errno of the last attempt that failed (0: none failed, they timed out).</summary>
internal readonly record struct ConnectFailure(string Message, int Errno);
