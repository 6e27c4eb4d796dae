using KnockKnock.Client.Connect;

namespace KnockKnock.Client.Socks;

/// <summary>
/// What every session of the proxy does: where the profiles are (one directory per host, named as
/// the host is given), whether hosts without one are connected directly, how hard to knock, and
/// whether to log each connection's progress.
/// </summary>
internal sealed record SocksSettings(string ProfileRoot, bool Direct, RetryPolicy Policy, bool Retransmit, bool Verbose);
