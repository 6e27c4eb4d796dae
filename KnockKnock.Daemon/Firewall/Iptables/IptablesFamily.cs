namespace KnockKnock.Daemon.Firewall.Iptables;

/// <summary>
/// One address family under iptables: its tools (iptables or ip6tables, both iptables-nft) and the
/// ipset its openings live in (<c>knockknock</c>, family inet; <c>knockknock6</c>, family inet6).
/// </summary>
internal sealed record IptablesFamily(IpFamily Family, string Tool, string SaveTool, string Set, byte NfProto)
{
    public static IptablesFamily IPv4 { get; } = new(IpFamily.IPv4, "/usr/sbin/iptables", "/usr/sbin/iptables-save", "knockknock", 2);

    public static IptablesFamily IPv6 { get; } = new(IpFamily.IPv6, "/usr/sbin/ip6tables", "/usr/sbin/ip6tables-save", "knockknock6", 10);

    public static IReadOnlyList<IptablesFamily> Both { get; } = [IPv4, IPv6];

    /// <summary>The family of <paramref name="source"/>.</summary>
    public static IptablesFamily Of(HostAddress source) => source.IsIPv4 ? IPv4 : IPv6;

    /// <summary>The ipset's family as ipset names it: <c>inet</c> or <c>inet6</c>.</summary>
    public string IpsetFamily => Family == IpFamily.IPv4 ? "inet" : "inet6";

    /// <summary>How messages name the family: IPv4, IPv6.</summary>
    public override string ToString() => Family == IpFamily.IPv4 ? "IPv4" : "IPv6";
}
