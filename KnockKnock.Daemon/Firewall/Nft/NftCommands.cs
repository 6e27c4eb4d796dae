using System.Globalization;
using System.Text;

namespace KnockKnock.Daemon.Firewall.Nft;

/// <summary>
/// Every nftables command the root worker gives libnftables, built from typed values by pure
/// functions (tests pin them): names only from a validated <see cref="NftSet"/>, addresses from
/// <see cref="HostAddress"/> (canonical literals: libnftables hands anything else to getaddrinfo,
/// so a host name must never reach it), ports from <see cref="ushort"/>, seconds from
/// <see cref="int"/>. One string is one transaction: it applies whole or not at all.
/// </summary>
internal static class NftCommands
{
    public const string NftPath = "/usr/sbin/nft";

    /// <summary>The conntrack-mark rule's priority: mangle (-150), so it runs before a filter-priority (0) chain decides.</summary>
    public const int MarkPriority = -150;

    /// <summary><c>add element inet knockknock allowed { 198.18.1.2 . 2222 timeout 15s }</c> (allowed6 for an IPv6 source).</summary>
    public static string AddElement(NftSet set, HostAddress source, ushort port, int seconds)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentOutOfRangeException.ThrowIfLessThan(seconds, 1);
        return $"add element {set.Family} {set.Table} {set.SetFor(source)} {{ {source} . {Port(port)} timeout {Number(seconds)}s }}";
    }

    /// <summary><c>delete element inet knockknock allowed { 198.18.1.2 . 2222 }</c> (fails once consumed or expired).</summary>
    public static string DeleteElement(NftSet set, HostAddress source, ushort port)
    {
        ArgumentNullException.ThrowIfNull(set);
        return $"delete element {set.Family} {set.Table} {set.SetFor(source)} {{ {source} . {Port(port)} }}";
    }

    /// <summary><c>flush set inet knockknock allowed</c> and <c>... allowed6</c>: removes every opening (flush, exit).</summary>
    public static string FlushSets(NftSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        return string.Concat(Sets(set).Select(s => $"flush set {set.Family} {set.Table} {s.Name}\n"));
    }

    /// <summary>
    /// What openings need, created where missing and the worker's chain rewritten, in one
    /// transaction: the table (an existing one is left as it is), the sets (an existing set with the
    /// same definition keeps its elements; one with another definition makes the whole command
    /// fail), the chain <see cref="NftSet.Chain"/> (hook input, priority mangle, policy accept: it
    /// drops and accepts nothing) flushed and given its <see cref="MarkRule"/>s again.
    /// </summary>
    public static string Ensure(NftSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        var (family, table) = (set.Family, set.Table);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"add table {family} {table}\n");
        foreach (var (name, type) in Sets(set))
        {
            text.Append(CultureInfo.InvariantCulture, $"add set {family} {table} {name} {{ type {type}; flags dynamic, timeout; }}\n");
        }
        text.Append(CultureInfo.InvariantCulture, $"add chain {family} {table} {NftSet.Chain} {{ {ChainHook} }}\n");
        text.Append(CultureInfo.InvariantCulture, $"flush chain {family} {table} {NftSet.Chain}\n");
        foreach (var rule in MarkRules(set))
        {
            text.Append(CultureInfo.InvariantCulture, $"add rule {family} {table} {NftSet.Chain} {rule}\n");
        }
        return text.ToString();
    }

    /// <summary><c>list chain inet knockknock knocked</c>: the worker's chain, whose rules name both sets (so it lists only while all three exist).</summary>
    public static string ListChain(NftSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        return $"list chain {set.Family} {set.Table} {NftSet.Chain}";
    }

    /// <summary>The worker chain's declaration: <c>type filter hook input priority -150; policy accept;</c></summary>
    public static string ChainHook => $"type filter hook input priority {Number(MarkPriority)}; policy accept;";

    /// <summary>The sets openings live in, with their key types: SET (IPv4) and, in an inet table, SET6 (IPv6).</summary>
    public static IEnumerable<(string Name, string Type)> Sets(NftSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        yield return (set.Set, "ipv4_addr . inet_service");
        if (set.Set6 is { } set6)
        {
            yield return (set6, "ipv6_addr . inet_service");
        }
    }

    /// <summary>The worker chain's rules: one <see cref="MarkRule"/> per set.</summary>
    public static IEnumerable<string> MarkRules(NftSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        yield return MarkRule(set.Set, "ip");
        if (set.Set6 is { } set6)
        {
            yield return MarkRule(set6, "ip6");
        }
    }

    /// <summary>
    /// One knock, one connection: a new SYN whose source and port are in the set deletes its
    /// element and marks its connection <see cref="ConntrackMark.Admitted"/>; the policy chain
    /// accepts marked connections. Elements carry a timeout, so the kernel expires them even when no
    /// process is left.
    /// </summary>
    public static string MarkRule(string setName, string protocol)
        => $"ct state new tcp flags & (fin|syn|rst|ack) == syn {protocol} saddr . tcp dport @{setName} "
            + $"delete @{setName} {{ {protocol} saddr . tcp dport }} ct mark set {ConntrackMark.Text}";

    /// <summary>The whole nftables ruleset, to check that knock ports are LOGged (run as a process, so libxtables never prints into the worker).</summary>
    public static string[] ListRuleset() => [NftPath, "list", "ruleset"];

    private static string Port(ushort port) => port.ToString(CultureInfo.InvariantCulture);

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
