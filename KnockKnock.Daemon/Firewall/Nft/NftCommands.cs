using System.Globalization;

namespace KnockKnock.Daemon.Firewall.Nft;

/// <summary>
/// Every nft argv the root worker may run, built from typed values by pure functions (tests pin
/// them). Element 0 is the tool's absolute path; nothing goes through a shell.
/// </summary>
internal static class NftCommands
{
    public const string NftPath = "/usr/sbin/nft";

    /// <summary><c>nft add element inet knockknock allowed { SRC . PORT timeout Ns }</c></summary>
    public static string[] AddElement(NftSet set, HostAddress source, ushort port, TimeSpan timeout)
        => [NftPath, "add", "element", set.Family, set.Table, set.Set,
            "{", source.ToString(), ".", Port(port), "timeout", Seconds(timeout) + "s", "}"];

    /// <summary><c>nft delete element inet knockknock allowed { SRC . PORT }</c> (fails once consumed or expired).</summary>
    public static string[] DeleteElement(NftSet set, HostAddress source, ushort port)
        => [NftPath, "delete", "element", set.Family, set.Table, set.Set, "{", source.ToString(), ".", Port(port), "}"];

    /// <summary><c>nft flush set inet knockknock allowed</c>: removes every opening (flush, exit).</summary>
    public static string[] FlushSet(NftSet set) => [NftPath, "flush", "set", set.Family, set.Table, set.Set];

    /// <summary><c>nft list set inet knockknock allowed</c>: fails when the set does not exist (checked at start).</summary>
    public static string[] ListSet(NftSet set) => [NftPath, "list", "set", set.Family, set.Table, set.Set];

    /// <summary>The whole nftables ruleset, to check that knock ports are LOGged (never run by the worker).</summary>
    public static string[] ListRuleset() => [NftPath, "list", "ruleset"];

    private static string Port(ushort port) => port.ToString(CultureInfo.InvariantCulture);

    private static string Seconds(TimeSpan span) => checked((long)Math.Ceiling(span.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
}
