using System.Globalization;

namespace KnockKnock.Daemon.Firewall;

/// <summary>
/// Every argv the root worker may run, built from typed values by pure functions (tests pin
/// them). Element 0 is the tool's absolute path; nothing goes through a shell. Sources are IPv4
/// addresses as host-order numbers (198.18.1.2 is 0xC6120102).
/// </summary>
internal static class FirewallCommands
{
    public const string NftPath = "/usr/sbin/nft";
    public const string IptablesPath = "/usr/sbin/iptables";
    public const string IptablesSavePath = "/usr/sbin/iptables-save";

    /// <summary>Conntrack mark of connections admitted by a knock (ASCII "KK", then 1).</summary>
    public const uint AdmittedMark = 0x4b4b0001;

    /// <summary>The daemon's own iptables chain; INPUT jumps to it first.</summary>
    public const string IptablesChain = "KNOCKKNOCK";

    /// <summary>Tag in the comment of every iptables opening rule.</summary>
    public const string IptablesTag = "knockknock";

    /// <summary>Dotted quad, no leading zeros: 0xC6120102 is "198.18.1.2".</summary>
    public static string FormatAddress(uint source)
        => string.Create(CultureInfo.InvariantCulture, $"{source >> 24}.{(source >> 16) & 0xff}.{(source >> 8) & 0xff}.{source & 0xff}");

    private static string Mark => "0x" + AdmittedMark.ToString("x8", CultureInfo.InvariantCulture);

    /// <summary><c>iptables --version</c>: says which variant it is ("(nf_tables)" or "(legacy)").</summary>
    public static string[] IptablesVersion() => [IptablesPath, "--version"];

    // ---- nftables ----

    /// <summary><c>nft add element inet knockknock allowed { SRC . PORT timeout Ns }</c></summary>
    public static string[] NftAddElement(NftSet set, uint source, ushort port, TimeSpan timeout)
        => [NftPath, "add", "element", set.Family, set.Table, set.Set,
            "{", FormatAddress(source), ".", Port(port), "timeout", Seconds(timeout) + "s", "}"];

    /// <summary><c>nft delete element inet knockknock allowed { SRC . PORT }</c> (fails once consumed or expired).</summary>
    public static string[] NftDeleteElement(NftSet set, uint source, ushort port)
        => [NftPath, "delete", "element", set.Family, set.Table, set.Set, "{", FormatAddress(source), ".", Port(port), "}"];

    /// <summary>The whole nftables ruleset, to check that knock ports are LOGged.</summary>
    public static string[] NftListRuleset() => [NftPath, "list", "ruleset"];

    /// <summary>The iptables filter table as iptables-save prints it, to check that knock ports are LOGged.</summary>
    public static string[] IptablesSaveFilter() => [IptablesSavePath, "-t", "filter"];

    /// <summary><c>nft flush set inet knockknock allowed</c>: removes every opening (flush, exit).</summary>
    public static string[] NftFlushSet(NftSet set) => [NftPath, "flush", "set", set.Family, set.Table, set.Set];

    /// <summary><c>nft list set inet knockknock allowed</c>: fails when the set does not exist (checked at start).</summary>
    public static string[] NftListSet(NftSet set) => [NftPath, "list", "set", set.Family, set.Table, set.Set];

    // ---- iptables ----

    /// <summary><c>iptables -w -N KNOCKKNOCK</c> (fails if it exists).</summary>
    public static string[] IptablesNewChain() => [IptablesPath, "-w", "-N", IptablesChain];

    /// <summary><c>iptables -w -F KNOCKKNOCK</c>: removes every opening and the static accept rule.</summary>
    public static string[] IptablesFlushChain() => [IptablesPath, "-w", "-F", IptablesChain];

    /// <summary><c>iptables -w -S KNOCKKNOCK</c>: the chain's rules, one <c>-A</c> line each, read at start.</summary>
    public static string[] IptablesListChain() => [IptablesPath, "-w", "-S", IptablesChain];

    /// <summary><c>iptables -w -D KNOCKKNOCK -m connmark --mark 0x4b4b0001 -j ACCEPT</c>: deletes one copy of the accept rule.</summary>
    public static string[] IptablesDeleteAdmitted() => [IptablesPath, "-w", "-D", IptablesChain, .. AdmittedSpec];

    /// <summary>The accept rule as <c>iptables -S</c> prints it.</summary>
    public static string IptablesAdmittedLine => string.Join(' ', ["-A", IptablesChain, .. AdmittedSpec]);

    /// <summary><c>iptables -w -C INPUT -j KNOCKKNOCK</c>: exit 0 when the jump exists.</summary>
    public static string[] IptablesCheckJump() => [IptablesPath, "-w", "-C", "INPUT", "-j", IptablesChain];

    /// <summary><c>iptables -w -I INPUT 1 -j KNOCKKNOCK</c>: the chain is consulted before the admin's rules.</summary>
    public static string[] IptablesInsertJump() => [IptablesPath, "-w", "-I", "INPUT", "1", "-j", IptablesChain];

    /// <summary>
    /// <c>iptables -w -A KNOCKKNOCK -m connmark --mark 0x4b4b0001 -j ACCEPT</c>: the last rule of
    /// the chain; accepts the SYN an opening rule just marked and its retransmissions.
    /// </summary>
    public static string[] IptablesAcceptAdmitted()
        => [IptablesPath, "-w", "-A", IptablesChain, .. AdmittedSpec];

    private static string[] AdmittedSpec => ["-m", "connmark", "--mark", Mark, "-j", "ACCEPT"];

    /// <summary><c>iptables -w -I KNOCKKNOCK 1 SPEC</c>, SPEC as in <see cref="IptablesOpeningSpec"/>.</summary>
    public static string[] IptablesInsertOpening(uint source, ushort port, DateTimeOffset until)
        => [IptablesPath, "-w", "-I", IptablesChain, "1", .. IptablesOpeningSpec(source, port, until)];

    /// <summary><c>iptables -w -D KNOCKKNOCK SPEC</c>: deletes the rule by the exact same spec.</summary>
    public static string[] IptablesDeleteOpening(uint source, ushort port, DateTimeOffset until)
        => [IptablesPath, "-w", "-D", IptablesChain, .. IptablesOpeningSpec(source, port, until)];

    /// <summary>
    /// Marks the first NEW connection from SRC to PORT, at most once (limit 1/day, burst 1: one
    /// token, so the port closes behind you), and only until <paramref name="until"/>: xt_time
    /// compares in UTC unless <c>--kerneltz</c> and stops matching after the whole second
    /// <c>--datestop</c> names, so the kernel ends the opening within a second of the deadline
    /// even when the worker is gone.
    /// </summary>
    public static string[] IptablesOpeningSpec(uint source, ushort port, DateTimeOffset until)
    {
        var stop = until.ToUniversalTime();
        var epoch = stop.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var address = FormatAddress(source);
        return ["-s", address + "/32", "-p", "tcp", "--dport", Port(port),
            "-m", "conntrack", "--ctstate", "NEW",
            "-m", "time", "--datestop", stop.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture),
            "-m", "limit", "--limit", "1/day", "--limit-burst", "1",
            "-m", "comment", "--comment", $"{IptablesTag} {address}:{Port(port)} until {epoch}",
            "-j", "CONNMARK", "--set-xmark", Mark + "/0xffffffff"];
    }

    private static string Port(ushort port) => port.ToString(CultureInfo.InvariantCulture);

    private static string Seconds(TimeSpan span) => checked((long)Math.Ceiling(span.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
}
