namespace KnockKnock.Daemon.Worker;

/// <summary>What the worker did with an <c>open</c> request (its reply, see <see cref="WorkerRequest"/>).</summary>
internal enum OpenOutcome
{
    /// <summary><c>ok</c>: the counter is stored and the port is open.</summary>
    Opened,

    /// <summary><c>refused</c>: nothing was stored or opened; the knock's counter is still unused.</summary>
    Refused,

    /// <summary><c>failed</c>: the counter is used up, but the firewall did not open.</summary>
    Failed,
}
