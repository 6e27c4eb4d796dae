using System.Text.RegularExpressions;

namespace KnockKnock.Daemon.Firewall.Nft;

/// <summary>
/// Where the worker keeps openings under nftables, from the config key <c>nft_set = FAMILY TABLE SET</c>
/// (default <c>inet knockknock allowed</c>): in table FAMILY TABLE, the set SET of
/// <c>ipv4_addr . inet_service</c> for IPv4 sources and, in an <c>inet</c> table, the set SET6 (SET
/// with a 6 appended: <c>allowed6</c>) of <c>ipv6_addr . inet_service</c> for IPv6 sources, both with
/// <c>flags dynamic, timeout</c>; and the chain <see cref="Chain"/> that looks them up. An <c>ip</c>
/// table sees no IPv6 packet, so it holds no IPv6 set and IPv6 openings fail there.
/// </summary>
internal sealed partial record NftSet
{
    /// <summary>The worker's chain in the set's table: it marks the first SYN of each opening (see <see cref="NftCommands.MarkRule"/>).</summary>
    public const string Chain = "knocked";

    public static NftSet Default { get; } = new("inet", "knockknock", "allowed");

    public string Family { get; }
    public string Table { get; }
    public string Set { get; }

    public NftSet(string family, string table, string set)
    {
        if (!TryValidate(family, table, set, out var error))
        {
            throw new ArgumentException(error);
        }
        (Family, Table, Set) = (family, table, set);
    }

    /// <summary>The IPv6 set's name, or null in an <c>ip</c> table.</summary>
    public string? Set6 => Family == "inet" ? Set + "6" : null;

    /// <summary>Whether openings for <paramref name="source"/>'s family can live here.</summary>
    public bool Holds(HostAddress source) => source.IsIPv4 || Set6 is not null;

    /// <summary>The set an opening for <paramref name="source"/> goes into (<see cref="Holds"/> must be true).</summary>
    public string SetFor(HostAddress source)
        => source.IsIPv4 ? Set : Set6 ?? throw new ArgumentException($"table {Family} {Table} holds no IPv6 openings", nameof(source));

    public static bool TryValidate(string family, string table, string set, out string error)
    {
        error = family is "inet" or "ip" ? !Name().IsMatch(table) ? $"bad nft table name '{table}'"
            : !Name().IsMatch(set) ? $"bad nft set name '{set}'" : "" : $"bad nft family '{family}' (inet or ip)";
        return error.Length == 0;
    }

    // nft identifiers; kept to a plain subset so no command can carry syntax in a name.
    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]{0,31}$", RegexOptions.CultureInvariant)]
    private static partial Regex Name();
}
