using System.Globalization;
using System.Text;
using KnockKnock.Daemon.Firewall;
using KnockKnock.Daemon.Knocks;
using KnockKnock.Daemon.Worker;

namespace KnockKnock.Daemon.Host;

/// <summary>
/// What `knockknock-daemon status` shows. The running daemon publishes it as STATE_DIR/status (a
/// small text file of `key value` lines, replaced atomically every few seconds and after each
/// opening); the status command reads it and checks that the pid in it is alive. A file rather
/// than a control socket: the daemon keeps binding no socket at all.
/// </summary>
internal sealed partial record DaemonStatus(
    int Pid,
    int WorkerPid,
    DateTimeOffset Started,
    DateTimeOffset Updated,
    string LogSource,
    string LogSourceCounters,
    string Firewall,
    DateTimeOffset? FirewallRecreated,
    long Accepted,
    long Rejected,
    long Retransmissions,
    string RejectedByReason,
    IReadOnlyList<(string Name, ushort KnockPort, string Allowed, DateTimeOffset? LastKnock)> Profiles,
    int OpeningCount,
    IReadOnlyList<GrantedOpening> Openings)
{
    public const string FileName = "status";

    /// <summary>
    /// At most this many openings are listed (the latest), with <see cref="OpeningCount"/> for all:
    /// 200 lines of at most 140 bytes keep the file well within what <see cref="StatusFile"/> reads,
    /// and a burst of thousands of openings does not make every rewrite a large allocation.
    /// </summary>
    public const int ListedOpenings = 200;

    public string Format()
    {
        var text = new StringBuilder();
        text.Append("# knockknock-daemon status; rewritten by the running daemon\n");
        Line(text, "pid", Pid.ToString(CultureInfo.InvariantCulture));
        Line(text, "worker_pid", WorkerPid.ToString(CultureInfo.InvariantCulture));
        Line(text, "started", Time(Started));
        Line(text, "updated", Time(Updated));
        Line(text, "log_source", LogSource);
        Line(text, "log_counters", LogSourceCounters);
        Line(text, "firewall", Firewall);
        Line(text, "firewall_recreated", FirewallRecreated is { } recreated ? Time(recreated) : "-");
        Line(text, "accepted", Accepted.ToString(CultureInfo.InvariantCulture));
        Line(text, "rejected", Rejected.ToString(CultureInfo.InvariantCulture));
        Line(text, "retransmissions", Retransmissions.ToString(CultureInfo.InvariantCulture));
        Line(text, "rejected_by_reason", RejectedByReason);
        Line(text, "openings", OpeningCount.ToString(CultureInfo.InvariantCulture));
        foreach (var (name, knockPort, allowed, last) in Profiles)
        {
            Line(text, "profile", $"{name} {knockPort} {allowed} {(last is { } t ? Time(t) : "-")}");
        }
        foreach (var o in Openings)
        {
            Line(text, "opening", $"{o.Profile} {o.Source} {o.Port} {Time(o.Until)}");
        }
        return text.ToString();
    }

    /// <summary>
    /// Parses what <see cref="Format"/> wrote; false for anything else. Strict, because root reads
    /// what the daemon user wrote: printable ASCII only (no escape sequence reaches a terminal),
    /// every key known and every scalar key once, every value in its shape.
    /// </summary>
    public static bool TryParse(string text, out DaemonStatus status)
    {
        status = null!;
        if (text.Any(c => c is not ('\n' or >= ' ' and <= '~')))
        {
            return false;
        }
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var profiles = new List<(string, ushort, string, DateTimeOffset?)>();
        var openings = new List<GrantedOpening>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith('#'))
            {
                continue;
            }
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space <= 0)
            {
                return false;
            }
            var (key, value) = (line[..space], line[(space + 1)..]);
            var words = value.Split(' ');
            if (key == "profile")
            {
                if (words is not [var name, var knockPortText, var allowed, var last] || !WorkerPolicy.IsProfileName(name)
                    || !TryPort(knockPortText, out var knockPort) || !PortSet.TryParse(allowed, out var set) || set.Text != allowed
                    || (last != "-" && !TryTime(last, out _)))
                {
                    return false;
                }
                profiles.Add((name, knockPort, allowed, last == "-" ? null : ParseTime(last)));
            }
            else if (key == "opening")
            {
                if (words is not [var name, var addressText, var portText, var until] || !WorkerPolicy.IsProfileName(name)
                    || !HostAddress.TryParse(addressText, out var address) || !TryPort(portText, out var port) || !TryTime(until, out var time))
                {
                    return false;
                }
                openings.Add(new GrantedOpening(name, address, port, time));
            }
            else if (!s_scalarKeys.Contains(key) || value.Length > 512 || !values.TryAdd(key, value))
            {
                return false;
            }
        }
        if (!s_scalarKeys.All(values.ContainsKey)
            || !TryPositive(values["pid"], out var pid) || !TryPositive(values["worker_pid"], out var workerPid)
            || !TryTime(values["started"], out var started) || !TryTime(values["updated"], out var updated)
            || FirewallBackends.Find(values["firewall"]) is null
            || (values["firewall_recreated"] != "-" && !TryTime(values["firewall_recreated"], out _))
            || !TryCount(values["accepted"], out var accepted) || !TryCount(values["rejected"], out var rejected)
            || !TryCount(values["retransmissions"], out var retransmissions)
            || !Reasons().IsMatch(values["rejected_by_reason"])
            || !TryCount(values["openings"], out var openingCount) || openingCount > int.MaxValue || openings.Count > openingCount)
        {
            return false;
        }
        status = new DaemonStatus(pid, workerPid, started, updated, values["log_source"], values["log_counters"], values["firewall"],
            values["firewall_recreated"] == "-" ? null : ParseTime(values["firewall_recreated"]), accepted, rejected, retransmissions, values["rejected_by_reason"], profiles, (int)openingCount, openings);
        return true;
    }

    private static readonly string[] s_scalarKeys = ["pid", "worker_pid", "started", "updated", "log_source", "log_counters", "firewall", "firewall_recreated", "accepted", "rejected", "retransmissions", "rejected_by_reason", "openings"];

    [System.Text.RegularExpressions.GeneratedRegex("^(none|[A-Za-z]+=[0-9]{1,19}(, [A-Za-z]+=[0-9]{1,19})*)$", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex Reasons();

    private static bool TryPositive(string text, out int value)
        => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value > 0;

    private static bool TryCount(string text, out long value)
        => long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    private static bool TryPort(string text, out ushort port)
        => ushort.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port > 0;

    private static bool TryTime(string text, out DateTimeOffset time)
        => DateTimeOffset.TryParseExact(text, "yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out time);

    /// <summary>Replaces DIRECTORY/status atomically (temp file and rename); the daemon's own directory, written as the daemon user.</summary>
    public void Write(string directory)
    {
        var path = Path.Combine(directory, FileName);
        var temp = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite };
        using (var stream = new FileStream(temp, options))
        {
            stream.Write(Encoding.UTF8.GetBytes(Format()));
        }
        File.Move(temp, path, overwrite: true);
    }

    private static void Line(StringBuilder text, string key, string value) => text.Append(key).Append(' ').Append(value).Append('\n');

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseTime(string text) =>
        DateTimeOffset.ParseExact(text, "yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
}
