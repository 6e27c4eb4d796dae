namespace KnockKnock.Daemon.Knocks;

/// <summary>One opening the worker granted the daemon: for which profile, who, which port, until when (for status).</summary>
internal readonly record struct GrantedOpening(string Profile, HostAddress Source, ushort Port, DateTimeOffset Until);
