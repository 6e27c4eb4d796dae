using System.Globalization;

namespace KnockKnock.Daemon.Firewall.Iptables;

/// <summary>
/// What an earlier run left in chain KNOCKKNOCK, read from <c>iptables -S KNOCKKNOCK</c> at start
/// (pure; the worker acts on it). Each opening rule carries the comment
/// <c>knockknock A.B.C.D:PORT until EPOCH</c> (<see cref="IptablesCommands.OpeningSpec"/>):
/// dotted quad without leading zeros, port 1-65535, EPOCH the deadline in whole Unix seconds. A rule
/// whose deadline is at or before now is <see cref="Expired"/>, a later one <see cref="Live"/>.
/// Anything else but the chain's <c>-N</c> line and the accept rule is <see cref="Foreign"/>:
/// left alone, reported once.
/// </summary>
internal sealed record IptablesLeftovers(
    IReadOnlyList<FirewallOpening> Expired, IReadOnlyList<FirewallOpening> Live, int AdmittedCount, bool AdmittedIsLast, IReadOnlyList<string> Foreign)
{
    private const string CommentOption = " -m comment --comment \"";

    public static IptablesLeftovers Parse(string listing, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(listing);
        var (expired, live, foreign) = (new List<FirewallOpening>(), new List<FirewallOpening>(), new List<string>());
        var admittedCount = 0;
        var lastRuleIsAdmitted = false;
        var header = "-N " + IptablesCommands.Chain;
        foreach (var raw in listing.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line == header)
            {
                continue;
            }
            lastRuleIsAdmitted = line == IptablesCommands.AdmittedLine;
            if (lastRuleIsAdmitted)
            {
                admittedCount++;
            }
            else if (TryParseOpening(line, out var source, out var port, out var until))
            {
                var seconds = until - now.ToUnixTimeSeconds();
                var opening = new FirewallOpening(source, port, (int)Math.Clamp(seconds, 0, int.MaxValue), DateTimeOffset.FromUnixTimeSeconds(until));
                (seconds <= 0 ? expired : live).Add(opening);
            }
            else
            {
                foreign.Add(line);
            }
        }
        return new(expired, live, admittedCount, lastRuleIsAdmitted, foreign);
    }

    /// <summary>
    /// An opening rule of this chain: <c>-A KNOCKKNOCK -s A.B.C.D/32 ... --dport PORT ... -m comment
    /// --comment "knockknock A.B.C.D:PORT until EPOCH" ...</c>, source and port agreeing with the comment.
    /// </summary>
    internal static bool TryParseOpening(string line, out HostAddress source, out ushort port, out long until)
    {
        (source, port, until) = (default, 0, 0);
        var start = line.IndexOf(CommentOption, StringComparison.Ordinal);
        if (!line.StartsWith($"-A {IptablesCommands.Chain} ", StringComparison.Ordinal) || start < 0)
        {
            return false;
        }
        start += CommentOption.Length;
        var end = line.IndexOf('"', start);
        if (end < 0 || line.IndexOf(CommentOption, end, StringComparison.Ordinal) >= 0
            || line[start..end].Split(' ') is not [IptablesCommands.Tag, var target, "until", var epoch])
        {
            return false;
        }
        var colon = target.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || !HostAddress.TryParse(target[..colon], out source) || !source.IsIPv4
            || !ushort.TryParse(target[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out port) || port == 0
            || port.ToString(CultureInfo.InvariantCulture) != target[(colon + 1)..]
            || !TryParseEpoch(epoch, out until))
        {
            return false;
        }
        var address = source.ToString();
        var portText = port.ToString(CultureInfo.InvariantCulture);
        return line.Contains($" -s {address}/32 ", StringComparison.Ordinal)
            && line.Contains($" --dport {portText} ", StringComparison.Ordinal);
    }

    /// <summary>1-12 ASCII digits, no sign, no leading zero: whole Unix seconds.</summary>
    private static bool TryParseEpoch(string text, out long value)
    {
        value = 0;
        if (text.Length is 0 or > 12 || (text.Length > 1 && text[0] == '0'))
        {
            return false;
        }
        foreach (var c in text)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
            value = (value * 10) + (c - '0');
        }
        return true;
    }
}
