namespace KnockKnock.Daemon.Firewall;

/// <summary>Which firewall tool the root worker drives.</summary>
internal enum FirewallKind
{
    /// <summary>nftables: elements with a timeout in a set the admin's drop-policy chain looks up.</summary>
    Nft,

    /// <summary>iptables: one rule per opening in the daemon's own chain, expiring by <c>-m time --datestop</c>.</summary>
    Iptables,
}

internal static class FirewallDetection
{
    /// <summary>Prefers nftables when <c>/usr/sbin/nft</c> exists, else iptables.</summary>
    public static FirewallKind Detect() => Detect(File.Exists);

    public static FirewallKind Detect(Func<string, bool> exists)
        => exists(FirewallCommands.NftPath) ? FirewallKind.Nft : FirewallKind.Iptables;
}
