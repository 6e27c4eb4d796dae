using System.Text.RegularExpressions;

namespace KnockKnock.Daemon.Firewall.Nft;

/// <summary>
/// Where the worker keeps openings under nftables: a set of <c>ipv4_addr . inet_service</c> with
/// <c>flags timeout</c>. Sets are table-scoped, so it must live in the table whose drop-policy
/// chain looks it up (ours, <see cref="NftRuleset"/>, or the admin's own).
/// </summary>
internal sealed partial record NftSet
{
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

    public static bool TryValidate(string family, string table, string set, out string error)
    {
        error = family is "inet" or "ip" ? !Name().IsMatch(table) ? $"bad nft table name '{table}'"
            : !Name().IsMatch(set) ? $"bad nft set name '{set}'" : "" : $"bad nft family '{family}' (inet or ip)";
        return error.Length == 0;
    }

    // nft identifiers; kept to a plain subset so no argv token can carry syntax.
    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]{0,31}$", RegexOptions.CultureInvariant)]
    private static partial Regex Name();
}
