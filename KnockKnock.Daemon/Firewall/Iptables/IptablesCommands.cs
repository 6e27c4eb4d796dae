using System.Globalization;

namespace KnockKnock.Daemon.Firewall.Iptables;

/// <summary>
/// Every iptables argv the root worker may run, built from typed values by pure functions (tests
/// pin them). Element 0 is the tool's absolute path; nothing goes through a shell.
/// </summary>
internal static class IptablesCommands
{
    public const string IptablesPath = "/usr/sbin/iptables";
    public const string IptablesSavePath = "/usr/sbin/iptables-save";

    /// <summary>The daemon's own iptables chain; INPUT jumps to it first.</summary>
    public const string Chain = "KNOCKKNOCK";

    /// <summary>Tag in the comment of every iptables opening rule.</summary>
    public const string Tag = "knockknock";

    /// <summary><c>iptables --version</c>: says which variant it is ("(nf_tables)" or "(legacy)").</summary>
    public static string[] Version() => [IptablesPath, "--version"];

    /// <summary>The iptables filter table as iptables-save prints it, to check that knock ports are LOGged (never run by the worker).</summary>
    public static string[] SaveFilter() => [IptablesSavePath, "-t", "filter"];

    /// <summary><c>iptables -w -N KNOCKKNOCK</c> (fails if it exists).</summary>
    public static string[] NewChain() => [IptablesPath, "-w", "-N", Chain];

    /// <summary><c>iptables -w -F KNOCKKNOCK</c>: removes every opening and the static accept rule.</summary>
    public static string[] FlushChain() => [IptablesPath, "-w", "-F", Chain];

    /// <summary><c>iptables -w -S KNOCKKNOCK</c>: the chain's rules, one <c>-A</c> line each, read at start.</summary>
    public static string[] ListChain() => [IptablesPath, "-w", "-S", Chain];

    /// <summary><c>iptables -w -D KNOCKKNOCK -m connmark --mark 0x4b4b0001 -j ACCEPT</c>: deletes one copy of the accept rule.</summary>
    public static string[] DeleteAdmitted() => [IptablesPath, "-w", "-D", Chain, .. AdmittedSpec];

    /// <summary>The accept rule as <c>iptables -S</c> prints it.</summary>
    public static string AdmittedLine => string.Join(' ', ["-A", Chain, .. AdmittedSpec]);

    /// <summary><c>iptables -w -C INPUT -j KNOCKKNOCK</c>: exit 0 when the jump exists.</summary>
    public static string[] CheckJump() => [IptablesPath, "-w", "-C", "INPUT", "-j", Chain];

    /// <summary><c>iptables -w -I INPUT 1 -j KNOCKKNOCK</c>: the chain is consulted before the admin's rules.</summary>
    public static string[] InsertJump() => [IptablesPath, "-w", "-I", "INPUT", "1", "-j", Chain];

    /// <summary>
    /// <c>iptables -w -A KNOCKKNOCK -m connmark --mark 0x4b4b0001 -j ACCEPT</c>: the last rule of
    /// the chain; accepts the SYN an opening rule just marked and its retransmissions.
    /// </summary>
    public static string[] AcceptAdmitted() => [IptablesPath, "-w", "-A", Chain, .. AdmittedSpec];

    private static string[] AdmittedSpec => ["-m", "connmark", "--mark", ConntrackMark.Text, "-j", "ACCEPT"];

    /// <summary><c>iptables -w -I KNOCKKNOCK 1 SPEC</c>, SPEC as in <see cref="OpeningSpec"/>.</summary>
    public static string[] InsertOpening(HostAddress source, ushort port, DateTimeOffset until)
        => [IptablesPath, "-w", "-I", Chain, "1", .. OpeningSpec(source, port, until)];

    /// <summary><c>iptables -w -D KNOCKKNOCK SPEC</c>: deletes the rule by the exact same spec.</summary>
    public static string[] DeleteOpening(HostAddress source, ushort port, DateTimeOffset until)
        => [IptablesPath, "-w", "-D", Chain, .. OpeningSpec(source, port, until)];

    /// <summary>
    /// Marks the first NEW connection from SRC to PORT, at most once (limit 1/day, burst 1: one
    /// token, so the port closes behind you), and only until <paramref name="until"/>: xt_time
    /// compares in UTC unless <c>--kerneltz</c> and stops matching after the whole second
    /// <c>--datestop</c> names, so the kernel ends the opening within a second of the deadline
    /// even when the worker is gone. The comment (<see cref="IptablesLeftovers"/> reads it back)
    /// is <c>knockknock SRC:PORT until EPOCH</c>.
    /// </summary>
    public static string[] OpeningSpec(HostAddress source, ushort port, DateTimeOffset until)
    {
        var stop = until.ToUniversalTime();
        var epoch = stop.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var address = source.ToString();
        return ["-s", address + "/32", "-p", "tcp", "--dport", Port(port),
            "-m", "conntrack", "--ctstate", "NEW",
            "-m", "time", "--datestop", stop.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture),
            "-m", "limit", "--limit", "1/day", "--limit-burst", "1",
            "-m", "comment", "--comment", $"{Tag} {address}:{Port(port)} until {epoch}",
            "-j", "CONNMARK", "--set-xmark", ConntrackMark.Text + "/0xffffffff"];
    }

    private static string Port(ushort port) => port.ToString(CultureInfo.InvariantCulture);
}
