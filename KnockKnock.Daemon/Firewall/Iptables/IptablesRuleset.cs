using System.Globalization;
using System.Text;

namespace KnockKnock.Daemon.Firewall.Iptables;

/// <summary>
/// The iptables and ip6tables set-up KnockKnock expects, as argv lists (tests pin them) and as
/// text, one command per line, that <c>scripts/minimal-firewall.sh</c> applies and an admin can
/// paste into a shell. The counterpart of <see cref="Nft.NftRuleset"/>; the same for both families.
/// </summary>
/// <remarks>
/// First the two ipsets openings live in (<see cref="IptablesCommands.CreateSet"/>), then per
/// family INPUT, top to bottom, with policy DROP:
/// <list type="bullet">
/// <item><c>-i lo -j ACCEPT</c> and <c>--ctstate ESTABLISHED,RELATED -j ACCEPT</c>: live in INPUT
///   itself and are never flushed, so re-running the set-up never drops a packet of an established
///   connection (the admin's SSH session) even for a moment, and a command that fails half-way
///   leaves them in place. The policy turns to DROP last, after they exist.</item>
/// <item><c>-j KNOCKKNOCK</c>: the worker's chain (<see cref="IptablesCommands"/>), written here
///   too so the firewall is complete before the daemon starts; the worker rewrites it only when it
///   differs.</item>
/// <item><c>-j KNOCKKNOCK-INPUT</c>: this set-up's own chain, flushed and rebuilt on each run:
///   (IPv6) ICMPv6 errors, neighbour discovery and multicast listener queries accepted, which
///   conntrack may call invalid and without which IPv6 stops working; INVALID dropped; per knock
///   port a LOG of SYNs (prefix, TCP sequence numbers and options) rate-limited per source address
///   (IPv6: per /64), then a DROP of everything to the port.</item>
/// <item>then the admin's own INPUT rules (e.g. <c>iptables -A INPUT -p tcp --dport 443 -j ACCEPT</c>), then the policy.</item>
/// </list>
/// Re-runnable: the applier skips <c>-N</c> for a chain that exists and <c>-A</c>/<c>-I</c> of a
/// rule that <c>-C</c> finds in a chain this list did not flush (see minimal-firewall.sh).
/// </remarks>
internal static class IptablesRuleset
{
    /// <summary>The set-up's own chain (flushed and rebuilt on each run; holds no openings).</summary>
    public const string InputChain = "KNOCKKNOCK-INPUT";

    /// <summary>
    /// Name of the per-source hashlimit table shared by every knock port's LOG rule (IPv4; IPv6 has
    /// <c>knockknock6</c>), so the budget is per source address across all knock ports.
    /// </summary>
    public const string HashlimitName = "knockknock";

    /// <summary>LOG lines per second a single source address may cause, after a burst of <see cref="LogBurst"/> (the same budget as nft's).</summary>
    public const int LogRatePerSecond = Nft.NftRuleset.RatePerSecond;

    public const int LogBurst = Nft.NftRuleset.Burst;

    /// <summary>ICMPv6 types accepted before the INVALID drop: the errors, router advertisement, neighbour solicitation and advertisement, and 130 (multicast listener query).</summary>
    public static IReadOnlyList<string> Icmpv6Types { get; } =
    [
        "destination-unreachable", "packet-too-big", "time-exceeded", "parameter-problem",
        "router-advertisement", "neighbour-solicitation", "neighbour-advertisement", "130",
    ];

    /// <summary>The commands, in the order they must run; element 0 of each is the tool's absolute path.</summary>
    public static IReadOnlyList<string[]> Commands(IReadOnlyCollection<ushort> knockPorts, string logPrefix)
    {
        ArgumentNullException.ThrowIfNull(knockPorts);
        ArgumentNullException.ThrowIfNull(logPrefix);
        if (knockPorts.Count == 0 || knockPorts.Contains((ushort)0))
        {
            throw new ArgumentException("need at least one knock port, none of them 0", nameof(knockPorts));
        }
        LogPrefix.Validate(logPrefix);
        List<string[]> commands = [.. IptablesFamily.Both.Select(IptablesCommands.CreateSet)];
        foreach (var family in IptablesFamily.Both)
        {
            commands.AddRange(Family(family, knockPorts, logPrefix));
        }
        return commands;
    }

    private static List<string[]> Family(IptablesFamily family, IReadOnlyCollection<ushort> knockPorts, string logPrefix)
    {
        var tool = family.Tool;
        var ipv6 = family.Family == IpFamily.IPv6;
        List<string[]> commands =
        [
            IptablesCommands.NewChain(family),
            IptablesCommands.FlushChain(family),
            .. IptablesCommands.AppendChainRules(family),
            [tool, "-w", "-N", InputChain],
            [tool, "-w", "-F", InputChain],
        ];
        if (ipv6)
        {
            commands.AddRange(Icmpv6Types.Select(type => (string[])[tool, "-w", "-A", InputChain, "-p", "ipv6-icmp", "--icmpv6-type", type, "-j", "ACCEPT"]));
        }
        commands.Add([tool, "-w", "-A", InputChain, "-m", "conntrack", "--ctstate", "INVALID", "-j", "DROP"]);
        foreach (var port in knockPorts.Distinct().Order())
        {
            var p = port.ToString(CultureInfo.InvariantCulture);
            // The kernel's LOG target is not rate-limited itself (nf_log_syslog ends in a plain
            // printk; net.core.message_cost and kernel.printk_ratelimit govern only callers of
            // net_ratelimit()/printk_ratelimit(), not LOG), so one flooding source could fill the
            // kernel log ring faster than the daemon reads it and knocks of others would be
            // overwritten. hashlimit keeps a budget per source address (IPv6: per /64, the least a
            // host gets). A full hash table drops SYNs of new sources (xt_hashlimit hotdrop): only a
            // spoofed flood of many addresses gets there, and it would fill the log anyway.
            commands.Add([tool, "-w", "-A", InputChain, "-p", "tcp", "--dport", p, "--syn",
                "-m", "hashlimit", "--hashlimit-mode", "srcip", .. (ipv6 ? (string[])["--hashlimit-srcmask", "64"] : []),
                "--hashlimit-upto", LogRatePerSecond.ToString(CultureInfo.InvariantCulture) + "/sec",
                "--hashlimit-burst", LogBurst.ToString(CultureInfo.InvariantCulture),
                "--hashlimit-name", ipv6 ? HashlimitName + "6" : HashlimitName,
                "-j", "LOG", "--log-prefix", logPrefix, "--log-tcp-sequence", "--log-tcp-options"]);
            commands.Add([tool, "-w", "-A", InputChain, "-p", "tcp", "--dport", p, "-j", "DROP"]);
        }
        // Inserted at 1 in reverse order: INPUT starts lo, ESTABLISHED, KNOCKKNOCK, KNOCKKNOCK-INPUT.
        commands.Add([tool, "-w", "-I", "INPUT", "1", "-j", InputChain]);
        commands.Add(IptablesCommands.InsertJump(family));
        commands.Add([tool, "-w", "-I", "INPUT", "1", "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT"]);
        commands.Add([tool, "-w", "-I", "INPUT", "1", "-i", "lo", "-j", "ACCEPT"]);
        commands.Add([tool, "-w", "-P", "INPUT", "DROP"]);
        return commands;
    }

    /// <summary>
    /// The commands as text: comment lines, then one command per line, the tool by its name
    /// (<c>ipset</c>, <c>iptables</c>, <c>ip6tables</c>), words separated by one space, a word with
    /// other characters than <c>[A-Za-z0-9_.,:/=+%@-]</c> in single quotes (only the log prefix; it has no quote).
    /// </summary>
    public static string Text(IReadOnlyCollection<ushort> knockPorts, string logPrefix)
    {
        var commands = Commands(knockPorts, logPrefix);
        var text = new StringBuilder();
        text.Append("""
            # KnockKnock input filter for iptables and ip6tables: policy DROP; knocks are logged, openings live in the
            # ipsets knockknock (IPv4) and knockknock6 (IPv6), admitted by chain KNOCKKNOCK (the daemon's worker keeps both).
            # Established connections (your SSH session) and loopback stay allowed: their ACCEPT rules are inserted
            # before the policy turns to DROP and are never flushed. Other services: iptables -A INPUT ... -j ACCEPT.

            """);
        foreach (var argv in commands)
        {
            text.Append(Path.GetFileName(argv[0]));
            foreach (var word in argv.AsSpan(1))
            {
                text.Append(' ').Append(Quote(word));
            }
            text.Append('\n');
        }
        return text.ToString();
    }

    /// <summary>A word as a shell reads it back: bare when plain, else in single quotes.</summary>
    public static string Quote(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        if (word.Length > 0 && word.All(IsPlain))
        {
            return word;
        }
        if (word.Contains('\'', StringComparison.Ordinal) || word.Any(c => c is < ' ' or > '~'))
        {
            throw new ArgumentException("cannot quote a word with a single quote or a control character", nameof(word));
        }
        return "'" + word + "'";
    }

    private static bool IsPlain(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or ',' or ':' or '/' or '=' or '+' or '%' or '@' or '-';
}
