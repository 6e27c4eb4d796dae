using KnockKnock.Crypto.Protocol;

namespace KnockKnock.Client;

/// <summary>What the command line asked for, already validated by the parser (port 1-65535, a source address, one family at most).</summary>
internal sealed record KnockRequest(
    string Host,
    ushort Port,
    string? ProfileDirectory = null,
    HostAddress? SourceAddress = null,
    bool DryRun = false,
    bool Verbose = false,
    KnockFamily? Family = null,
    bool Retransmit = true);
