using KnockKnock.Daemon.Firewall.Nft;

namespace KnockKnock.Daemon.Firewall;

/// <summary>The config settings a backend reads (today only nftables has one: the set openings go into).</summary>
internal sealed record FirewallSettings(NftSet NftSet)
{
    public static FirewallSettings Default { get; } = new(NftSet.Default);
}
