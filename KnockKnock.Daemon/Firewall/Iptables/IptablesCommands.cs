using System.Globalization;

namespace KnockKnock.Daemon.Firewall.Iptables;

/// <summary>
/// Every iptables and ip6tables argv the root worker may run, and the ipset it keeps openings in,
/// built from typed values by pure functions (tests pin them). Element 0 is the tool's absolute
/// path; nothing goes through a shell. The worker runs these only at start and to repair after a
/// reload; an opening itself is an ipset element (<see cref="IpsetSession"/>), no rule.
/// </summary>
/// <remarks>
/// Chain KNOCKKNOCK, the same in both families, jumped to from the top of INPUT:
/// <list type="number">
/// <item>a new SYN whose source and destination port are in the family's set gets its connection
///   marked <see cref="ConntrackMark.Admitted"/>;</item>
/// <item>a new packet of a marked connection deletes that element from the set (SET is not a
///   final verdict, so this comes after the marking): one knock, one connection;</item>
/// <item>packets of marked connections are accepted (the SYN, and its retransmissions, which no
///   longer find the element).</item>
/// </list>
/// Every rule is written as iptables-save prints it, so the worker can compare its listing.
/// </remarks>
internal static class IptablesCommands
{
    public const string IpsetPath = "/usr/sbin/ipset";

    /// <summary>The daemon's own chain; INPUT jumps to it first.</summary>
    public const string Chain = "KNOCKKNOCK";

    /// <summary>The ipset type: an address and a protocol:port pair (src,dst in the rules: source address, destination port).</summary>
    public const string SetType = "hash:ip,port";

    /// <summary>
    /// Seconds an element lives when added without its own timeout (the worker always gives one):
    /// short, so that a stray manual add closes again at once.
    /// </summary>
    public const int SetDefaultTimeout = 1;

    /// <summary>The most elements a set holds: above the largest <c>max_openings</c> (1,000,000).</summary>
    public const int SetMaxElements = 1 << 20;

    /// <summary><c>iptables --version</c>: says which variant it is ("(nf_tables)" or "(legacy)").</summary>
    public static string[] Version(IptablesFamily family) => [Tool(family), "--version"];

    /// <summary>The filter table as iptables-save prints it: the worker compares its chain and jump, check looks for LOG rules.</summary>
    public static string[] SaveFilter(IptablesFamily family) => [family.SaveTool, "-t", "filter"];

    /// <summary><c>iptables -w -N KNOCKKNOCK</c> (fails if it exists).</summary>
    public static string[] NewChain(IptablesFamily family) => [Tool(family), "-w", "-N", Chain];

    /// <summary><c>iptables -w -F KNOCKKNOCK</c>.</summary>
    public static string[] FlushChain(IptablesFamily family) => [Tool(family), "-w", "-F", Chain];

    /// <summary><c>iptables -w -A KNOCKKNOCK RULE</c> for each of <see cref="ChainRules"/>, in order.</summary>
    public static IEnumerable<string[]> AppendChainRules(IptablesFamily family)
        => ChainRules(family).Select(rule => (string[])[Tool(family), "-w", "-A", Chain, .. rule]);

    /// <summary><c>iptables -w -I INPUT 1 -j KNOCKKNOCK</c>: the chain is consulted before the admin's rules.</summary>
    public static string[] InsertJump(IptablesFamily family) => [Tool(family), "-w", "-I", "INPUT", "1", "-j", Chain];

    /// <summary>The three rules of chain KNOCKKNOCK (see the remarks), without <c>-A KNOCKKNOCK</c>.</summary>
    public static IReadOnlyList<string[]> ChainRules(IptablesFamily family)
    {
        var set = family.Set;
        var mark = ConntrackMark.Text;
        return
        [
            ["-p", "tcp", "-m", "tcp", "--tcp-flags", "FIN,SYN,RST,ACK", "SYN", "-m", "conntrack", "--ctstate", "NEW",
                "-m", "set", "--match-set", set, "src,dst", "-j", "CONNMARK", "--set-xmark", mark + "/0xffffffff"],
            ["-m", "connmark", "--mark", mark, "-m", "conntrack", "--ctstate", "NEW", "-j", "SET", "--del-set", set, "src,dst"],
            ["-m", "connmark", "--mark", mark, "-j", "ACCEPT"],
        ];
    }

    /// <summary>Chain KNOCKKNOCK's rules as iptables-save prints them, in order.</summary>
    public static IReadOnlyList<string> ChainLines(IptablesFamily family)
        => [.. ChainRules(family).Select(rule => string.Join(' ', ["-A", Chain, .. rule]))];

    /// <summary>The jump as iptables-save prints it.</summary>
    public const string JumpLine = "-A INPUT -j " + Chain;

    /// <summary>
    /// <c>ipset -exist create knockknock hash:ip,port family inet timeout 1 maxelem 1048576</c> (as
    /// the set-up prints it; the worker makes the same set through libipset). -exist: an identical
    /// set may exist; one with other parameters makes it fail.
    /// </summary>
    public static string[] CreateSet(IptablesFamily family)
        => [IpsetPath, "-exist", "create", family.Set, SetType, "family", family.IpsetFamily,
            "timeout", Number(SetDefaultTimeout), "maxelem", Number(SetMaxElements)];

    private static string Tool(IptablesFamily family) => family.Tool;

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
