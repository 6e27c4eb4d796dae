using System.Globalization;
using System.Text;

namespace KnockKnock.Daemon.Firewall.Nft;

/// <summary>
/// The nftables ruleset KnockKnock expects, as text for <c>nft -f</c> (scripts print it). An
/// accept in one table does not override a drop in another, so this table IS the input filter:
/// its chain has policy drop and looks up the worker's set itself. Admins with their own ruleset
/// copy the set and the marked lines into their drop-policy chain and point the daemon at that
/// table and set (<see cref="NftSet"/>).
/// </summary>
/// <remarks>
/// Line by line:
/// <list type="bullet">
/// <item><c>ct state established,related accept</c>: established connections are never cut.</item>
/// <item><c>ct mark 0x4b4b0001 accept</c>: retransmitted SYNs of a connection a knock admitted.</item>
/// <item>the <c>@allowed</c> line: a new SYN from SRC to PORT in the set deletes its element
///   (one knock, one connection: the port closes behind you), marks the connection and accepts
///   it. Elements carry a timeout, so the kernel expires them even if no process is left.</item>
/// <item>the knock lines: IPv4 SYNs to the knock ports beyond a per-source rate are dropped
///   unlogged; the others are logged with the TCP sequence and acknowledgement numbers the knock
///   is encoded in, then dropped.</item>
/// </list>
/// </remarks>
internal static class NftRuleset
{
    /// <summary>
    /// The per-source rate set. The log statement is not rate-limited by the kernel (nf_log_syslog
    /// ends in a plain printk), so one flooding source could overwrite other knockers' lines in the
    /// kernel log ring before the daemon reads them. A full set (65536 sources in a minute: only a
    /// spoofed flood) stops limiting new sources; such a flood would fill the log anyway.
    /// </summary>
    public const string RateSet = "knock_rate";

    /// <summary>Knock LOG lines per second one source address may cause, after <see cref="Burst"/>.</summary>
    public const int RatePerSecond = 10;

    public const int Burst = 20;

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
        var ports = string.Join(", ", knockPorts.Distinct().Order().Select(p => p.ToString(CultureInfo.InvariantCulture)));
        var mark = ConntrackMark.Text;
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $$"""
            # KnockKnock input filter: policy drop; knocks are logged, openings live in @{{s.Set}}.
            # Load with: nft -f FILE (reloading keeps current openings).
            table {{s.Family}} {{s.Table}}
            flush table {{s.Family}} {{s.Table}}
            table {{s.Family}} {{s.Table}} {
                set {{s.Set}} {
                    type ipv4_addr . inet_service
                    flags dynamic, timeout
                }

                # per-source budget for knock LOG lines (see the knock rules below)
                set {{RateSet}} {
                    type ipv4_addr
                    size 65536
                    flags dynamic, timeout
                    timeout 1m
                }

                chain input {
                    type filter hook input priority filter; policy drop;
                    iif "lo" accept
                    ct state established,related accept
                    # IPv6 neighbour discovery (conntrack calls it invalid); without it IPv6 stops working
                    icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-advert } accept
                    ct state invalid drop
                    # retransmitted SYNs of a connection a knock admitted
                    ct mark {{mark}} accept
                    # one knock, one connection: the element is consumed by the first SYN
                    ct state new tcp flags & (fin|syn|rst|ack) == syn ip saddr . tcp dport @{{s.Set}} delete @{{s.Set}} { ip saddr . tcp dport } ct mark set {{mark}} accept
                    # knocks (IPv4 only): at most {{RatePerSecond}}/s after a burst of {{Burst}} per source address are
                    # logged (with TCP sequence and ack numbers); all are dropped
                    meta nfproto ipv4 tcp dport { {{ports}} } tcp flags & (fin|syn|rst|ack) == syn update @{{RateSet}} { ip saddr limit rate over {{RatePerSecond}}/second burst {{Burst}} packets } drop
                    meta nfproto ipv4 tcp dport { {{ports}} } tcp flags & (fin|syn|rst|ack) == syn log prefix "{{logPrefix}}" flags tcp sequence drop
                    # add the services that are always open here, e.g.: tcp dport 443 accept
                }
            }

            """);
        return text.ToString();
    }
}
