using System.Globalization;
using System.Text;

namespace KnockKnock.Daemon.Firewall.Nft;

/// <summary>
/// The nftables ruleset KnockKnock expects, as text for <c>nft -f</c> (scripts print it), for IPv4
/// and IPv6 in one <c>inet</c> table. An accept in one table does not override a drop in another, so
/// this table IS the input filter: its chain <c>input</c> has policy drop. Admins with their own
/// ruleset keep their drop-policy chain and add to it the lines marked below (established, ICMPv6,
/// <c>ct mark</c>, LOG); the worker keeps the sets and chain <see cref="NftSet.Chain"/> itself.
/// </summary>
/// <remarks>
/// Two parts:
/// <list type="bullet">
/// <item>the worker's (<see cref="NftCommands.Ensure"/> makes the same, and makes them again when a
///   reload removed them): the sets openings live in and chain <c>knocked</c>, which consumes an
///   opening with the first SYN that uses it (one knock, one connection) and marks that connection.
///   It has policy accept and accepts and drops nothing.</item>
/// <item>the policy, chain <c>input</c>: loopback and established connections; ICMPv6 neighbour
///   discovery, multicast listener queries and errors (without them IPv6 stops working);
///   <c>ct mark 0x4b4b0001 accept</c> for knocked connections (and their retransmitted SYNs); then
///   knock SYNs: beyond a per-source rate (IPv6: per /64) dropped unlogged, the others logged with
///   TCP sequence numbers and options (what the knock is encoded in), then dropped.</item>
/// </list>
/// </remarks>
internal static class NftRuleset
{
    /// <summary>
    /// The per-source rate set (and <see cref="RateSet6"/>). The log statement is not rate-limited
    /// by the kernel (nf_log_syslog ends in a plain printk), so one flooding source could overwrite
    /// other knockers' lines in the kernel log ring before the daemon reads them. A full set (65536
    /// sources in a minute: only a spoofed flood) stops limiting new sources; such a flood would
    /// fill the log anyway. IPv6 sources are counted per /64, the smallest network a host gets.
    /// </summary>
    public const string RateSet = "knock_rate";

    public const string RateSet6 = "knock_rate6";

    /// <summary>Knock LOG lines per second one source address (IPv6: one /64) may cause, after <see cref="Burst"/>.</summary>
    public const int RatePerSecond = 10;

    public const int Burst = 20;

    /// <summary>ICMPv6 types the policy accepts before conntrack's verdict (it calls neighbour discovery invalid).</summary>
    public const string Icmpv6Types = "destination-unreachable, packet-too-big, time-exceeded, parameter-problem, "
        + "mld-listener-query, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert";

    public static string Text(IReadOnlyCollection<ushort> knockPorts, string logPrefix, NftSet? set = null)
    {
        ArgumentNullException.ThrowIfNull(knockPorts);
        ArgumentNullException.ThrowIfNull(logPrefix);
        if (knockPorts.Count == 0 || knockPorts.Contains((ushort)0))
        {
            throw new ArgumentException("need at least one knock port, none of them 0", nameof(knockPorts));
        }
        LogPrefix.Validate(logPrefix);
        var s = set ?? NftSet.Default;
        var ipv6 = s.Set6 is not null;
        var ports = string.Join(", ", knockPorts.Distinct().Order().Select(p => p.ToString(CultureInfo.InvariantCulture)));
        var syn = $"tcp dport {{ {ports} }} tcp flags & (fin|syn|rst|ack) == syn";
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $$"""
            # KnockKnock input filter ({{(ipv6 ? "IPv4 and IPv6" : "IPv4")}}): policy drop; knocks are logged, openings live in @{{string.Join(" and @", NftCommands.Sets(s).Select(x => x.Name))}}.
            # Load with: nft -f FILE (reloading keeps current openings).
            table {{s.Family}} {{s.Table}}
            flush table {{s.Family}} {{s.Table}}
            table {{s.Family}} {{s.Table}} {
                # openings, kept by knockknock-daemon's worker (it recreates them if a reload removes them)

            """);
        foreach (var (name, type) in NftCommands.Sets(s))
        {
            text.Append(CultureInfo.InvariantCulture, $$"""
                    set {{name}} {
                        type {{type}}
                        flags dynamic, timeout
                    }


                """);
        }
        text.Append(CultureInfo.InvariantCulture, $$"""
                # one knock, one connection: the first SYN consumes the opening and marks its connection
                chain {{NftSet.Chain}} {
                    {{NftCommands.ChainHook}}

            """);
        foreach (var rule in NftCommands.MarkRules(s))
        {
            text.Append("        ").Append(rule).Append('\n');
        }
        text.Append(CultureInfo.InvariantCulture, $$"""
                }

                # per-source budgets for knock LOG lines (see the knock rules below)
                set {{RateSet}} {
                    type ipv4_addr
                    size 65536
                    flags dynamic, timeout
                    timeout 1m
                }


            """);
        if (ipv6)
        {
            text.Append(CultureInfo.InvariantCulture, $$"""
                    set {{RateSet6}} {
                        type ipv6_addr
                        size 65536
                        flags dynamic, timeout
                        timeout 1m
                    }


                """);
        }
        text.Append(CultureInfo.InvariantCulture, $$"""
                chain input {
                    type filter hook input priority filter; policy drop;
                    iif "lo" accept
                    ct state established,related accept

            """);
        if (ipv6)
        {
            text.Append(CultureInfo.InvariantCulture, $$"""
                        # IPv6 neighbour discovery and multicast listener queries (conntrack calls them invalid) and ICMPv6 errors: without them IPv6 stops working
                        icmpv6 type { {{Icmpv6Types}} } accept

                """);
        }
        text.Append(CultureInfo.InvariantCulture, $$"""
                    ct state invalid drop
                    # connections a knock admitted (marked by chain {{NftSet.Chain}}), with their retransmitted SYNs
                    ct mark {{ConntrackMark.Text}} accept
                    # knocks: at most {{RatePerSecond}}/s after a burst of {{Burst}} per source address{{(ipv6 ? " (IPv6: per /64)" : "")}} are logged
                    # (with TCP sequence numbers and options); all are dropped
                    meta nfproto ipv4 {{syn}} update @{{RateSet}} { ip saddr limit rate over {{RatePerSecond}}/second burst {{Burst}} packets } drop

            """);
        if (ipv6)
        {
            text.Append(CultureInfo.InvariantCulture, $$"""
                        meta nfproto ipv6 {{syn}} update @{{RateSet6}} { ip6 saddr & ffff:ffff:ffff:ffff:: limit rate over {{RatePerSecond}}/second burst {{Burst}} packets } drop

                """);
        }
        text.Append(CultureInfo.InvariantCulture, $$"""
                    {{syn}} log prefix "{{logPrefix}}" flags tcp sequence,options drop
                    # add the services that are always open here, e.g.: tcp dport 443 accept
                }
            }

            """);
        return text.ToString();
    }
}
