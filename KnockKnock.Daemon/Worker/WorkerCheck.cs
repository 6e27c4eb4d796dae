using System.Globalization;

namespace KnockKnock.Daemon.Worker;

/// <summary>
/// The worker's answer to <c>check</c> (see <see cref="WorkerRequest"/>): when it last had to
/// recreate what openings need after a firewall reload (null: never since it started), and how many
/// knock ports lack a LOG rule for a family (null: it could not read the ruleset).
/// </summary>
internal sealed record WorkerCheck(DateTimeOffset? LastRecreated, int? Unlogged)
{
    /// <summary>Reads <c>ok RECREATED UNLOGGED</c>; false for anything else.</summary>
    public static bool TryParse(string reply, out WorkerCheck check)
    {
        ArgumentNullException.ThrowIfNull(reply);
        check = null!;
        if (reply.Split(' ') is not ["ok", var recreatedText, var unloggedText])
        {
            return false;
        }
        DateTimeOffset? recreated = null;
        if (recreatedText != "-")
        {
            if (!long.TryParse(recreatedText, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds > 253402300799)
            {
                return false;
            }
            recreated = DateTimeOffset.FromUnixTimeSeconds(seconds);
        }
        int? unlogged = null;
        if (unloggedText != "?")
        {
            if (!int.TryParse(unloggedText, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            {
                return false;
            }
            unlogged = count;
        }
        check = new WorkerCheck(recreated, unlogged);
        return true;
    }
}
