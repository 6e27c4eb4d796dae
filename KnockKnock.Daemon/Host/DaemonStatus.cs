using System.Globalization;
using System.Text;
using KnockKnock.Daemon.Knocks;

namespace KnockKnock.Daemon.Host;

/// <summary>
/// What `knockknock-daemon status` shows. The running daemon publishes it as STATE_DIR/status (a
/// small text file of `key value` lines, replaced atomically every few seconds and after each
/// opening); the status command reads it and checks that the pid in it is alive. A file rather
/// than a control socket: the daemon keeps binding no socket at all.
/// </summary>
internal sealed record DaemonStatus(
    int Pid,
    int WorkerPid,
    DateTimeOffset Started,
    DateTimeOffset Updated,
    string LogSource,
    string LogSourceCounters,
    string Firewall,
    long Accepted,
    long Rejected,
    string RejectedByReason,
    IReadOnlyList<(string Name, ushort KnockPort, string Allowed, DateTimeOffset? LastKnock)> Profiles,
    IReadOnlyList<GrantedOpening> Openings)
{
    public const string FileName = "status";

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
        Line(text, "accepted", Accepted.ToString(CultureInfo.InvariantCulture));
        Line(text, "rejected", Rejected.ToString(CultureInfo.InvariantCulture));
        Line(text, "rejected_by_reason", RejectedByReason);
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

    /// <summary>Parses what <see cref="Format"/> wrote; false for anything else.</summary>
    public static bool TryParse(string text, out DaemonStatus status)
    {
        status = null!;
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
            if (key == "profile" && words.Length == 4 && ushort.TryParse(words[1], out var knockPort))
            {
                profiles.Add((words[0], knockPort, words[2], words[3] == "-" ? null : ParseTime(words[3])));
            }
            else if (key == "opening" && words.Length == 4 && HostAddress.TryParse(words[1], out var address) && ushort.TryParse(words[2], out var port))
            {
                openings.Add(new GrantedOpening(words[0], address, port, ParseTime(words[3])));
            }
            else
            {
                values[key] = value;
            }
        }
        try
        {
            status = new DaemonStatus(
                int.Parse(values["pid"], CultureInfo.InvariantCulture),
                int.Parse(values["worker_pid"], CultureInfo.InvariantCulture),
                ParseTime(values["started"]),
                ParseTime(values["updated"]),
                values["log_source"],
                values["log_counters"],
                values["firewall"],
                long.Parse(values["accepted"], CultureInfo.InvariantCulture),
                long.Parse(values["rejected"], CultureInfo.InvariantCulture),
                values["rejected_by_reason"],
                profiles,
                openings);
            return true;
        }
        catch (Exception e) when (e is KeyNotFoundException or FormatException or OverflowException)
        {
            return false;
        }
    }

    /// <summary>Replaces STATE_DIR/status atomically (temp file and rename).</summary>
    public void Write(string stateDirectory)
    {
        var path = Path.Combine(stateDirectory, FileName);
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
