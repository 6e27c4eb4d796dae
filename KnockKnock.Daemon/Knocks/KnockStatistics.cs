using System.Text;
using KnockKnock.Daemon.Log;

namespace KnockKnock.Daemon.Knocks;

/// <summary>
/// Counts of accepted knocks and of rejections by reason, since start and since the last summary.
/// Plain long increments: one thread processes lines.
/// </summary>
internal sealed class KnockStatistics
{
    private static readonly LogLineRejection[] s_lineReasons = Enum.GetValues<LogLineRejection>();
    private static readonly KnockRejection[] s_knockReasons = Enum.GetValues<KnockRejection>();
    private readonly long[] _lineTotal = new long[s_lineReasons.Length];
    private readonly long[] _lineRecent = new long[s_lineReasons.Length];
    private readonly long[] _knockTotal = new long[s_knockReasons.Length];
    private readonly long[] _knockRecent = new long[s_knockReasons.Length];
    private long _recent;

    public long Accepted { get; private set; }

    public long Rejected { get; private set; }

    /// <summary>Retransmissions of knocks already used (a v2 client's decoys): neither rejected nor knocks.</summary>
    public long Retransmissions { get; private set; }

    public void Count(LogLineRejection reason)
    {
        _lineTotal[(int)reason]++;
        _lineRecent[(int)reason]++;
        Rejected++;
        _recent++;
    }

    public void Count(KnockRejection reason)
    {
        _knockTotal[(int)reason]++;
        _knockRecent[(int)reason]++;
        Rejected++;
        _recent++;
    }

    public void CountAccepted() => Accepted++;

    public void CountRetransmission() => Retransmissions++;

    public long Total(LogLineRejection reason) => _lineTotal[(int)reason];

    public long Total(KnockRejection reason) => _knockTotal[(int)reason];

    /// <summary>Rejections since start, by reason, as `reason=count` pairs (non-zero only).</summary>
    public string DescribeTotals() => Describe(_lineTotal, _knockTotal);

    /// <summary>The rejections since the last call, as one line, and resets them; null when there were none.</summary>
    public string? TakeRecentSummary()
    {
        if (_recent == 0)
        {
            return null;
        }
        var text = $"{_recent} knock-prefixed lines rejected: {Describe(_lineRecent, _knockRecent)}";
        Array.Clear(_lineRecent);
        Array.Clear(_knockRecent);
        _recent = 0;
        return text;
    }

    private static string Describe(long[] lines, long[] knocks)
    {
        var text = new StringBuilder();
        for (var i = 0; i < knocks.Length; i++)
        {
            Append(text, s_knockReasons[i].ToString(), knocks[i]);
        }
        for (var i = 0; i < lines.Length; i++)
        {
            Append(text, s_lineReasons[i].ToString(), lines[i]);
        }
        return text.Length == 0 ? "none" : text.ToString();
    }

    private static void Append(StringBuilder text, string name, long count)
    {
        if (count == 0)
        {
            return;
        }
        if (text.Length > 0)
        {
            text.Append(", ");
        }
        text.Append(name).Append('=').Append(count);
    }
}
