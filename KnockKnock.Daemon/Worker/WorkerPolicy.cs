using System.Globalization;

namespace KnockKnock.Daemon.Worker;

/// <summary>
/// What the root worker may grant, handed to it by root on its command line when it starts (so
/// before the daemon drops its privileges, and never from the daemon afterwards): per profile the
/// ports it may open, every knock port (never opened), the one delay, the counter window, and caps
/// on live openings and on openings per second. A request outside it is refused, so a compromised
/// daemon can ask for no more than valid knocks could. Also the LOG prefix, with which the worker
/// checks that the knock ports are still logged when the daemon asks (<c>check</c>).
/// </summary>
/// <remarks>
/// On the command line: <c>--delay N --window N --max-openings N --max-rate N --log-prefix PREFIX [--profile NAME KNOCK_PORT PORTS]...</c>,
/// PORTS as a profile's <c>allow</c> (<see cref="PortSet"/>), NAME as a profile directory's name,
/// PREFIX as <see cref="Firewall.LogPrefix"/> allows (one argv word, spaces and all).
/// </remarks>
internal sealed record WorkerPolicy(
    int DelaySeconds,
    int Window,
    int MaxOpenings,
    int MaxRatePerSecond,
    string LogPrefix,
    IReadOnlyDictionary<string, WorkerPolicy.ProfileRule> Profiles)
{
    /// <summary>The largest delay the config allows (an hour).</summary>
    public const int MaxDelaySeconds = 3600;

    /// <summary>The largest counter window (as <c>KnockCipher.MaxWindow</c>).</summary>
    public const int MaxWindow = 1000;

    /// <summary>Defaults of <c>max_openings</c> and <c>max_opening_rate</c>: far above what a server sees, low enough to bound a compromised daemon.</summary>
    public const int DefaultMaxOpenings = 4096;

    public const int DefaultMaxRatePerSecond = 1000;

    /// <summary>One profile's share of the policy: its knock port and the ports it may open.</summary>
    internal sealed record ProfileRule(ushort KnockPort, PortSet Allowed);

    /// <summary>Whether <paramref name="port"/> is some profile's knock port (never opened for anyone).</summary>
    public bool IsKnockPort(ushort port) => Profiles.Values.Any(p => p.KnockPort == port);

    public IEnumerable<string> ToArguments()
    {
        yield return "--delay";
        yield return Text(DelaySeconds);
        yield return "--window";
        yield return Text(Window);
        yield return "--max-openings";
        yield return Text(MaxOpenings);
        yield return "--max-rate";
        yield return Text(MaxRatePerSecond);
        yield return "--log-prefix";
        yield return LogPrefix;
        foreach (var (name, rule) in Profiles.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            yield return "--profile";
            yield return name;
            yield return Text(rule.KnockPort);
            yield return rule.Allowed.Text;
        }
    }

    /// <summary>Reads what <see cref="ToArguments"/> wrote from the front of <paramref name="args"/>; returns how many words it took, or -1.</summary>
    public static int TryParse(IReadOnlyList<string> args, out WorkerPolicy policy)
    {
        policy = null!;
        if (args.Count < 10 || args[0] != "--delay" || args[2] != "--window" || args[4] != "--max-openings" || args[6] != "--max-rate"
            || args[8] != "--log-prefix" || Firewall.LogPrefix.Problem(args[9]) is not null
            || !TryNumber(args[1], 1, MaxDelaySeconds, out var delay) || !TryNumber(args[3], 1, MaxWindow, out var window)
            || !TryNumber(args[5], 1, 1_000_000, out var maxOpenings) || !TryNumber(args[7], 1, 1_000_000, out var maxRate))
        {
            return -1;
        }
        var profiles = new Dictionary<string, ProfileRule>(StringComparer.Ordinal);
        var at = 10;
        while (at < args.Count && args[at] == "--profile")
        {
            if (at + 3 >= args.Count || !IsProfileName(args[at + 1]) || !TryNumber(args[at + 2], 1, 65535, out var knockPort)
                || !PortSet.TryParse(args[at + 3], out var allowed) || allowed.Text != args[at + 3]
                || !profiles.TryAdd(args[at + 1], new ProfileRule((ushort)knockPort, allowed)))
            {
                return -1;
            }
            at += 4;
        }
        if (profiles.Count == 0)
        {
            return -1;
        }
        policy = new WorkerPolicy(delay, window, maxOpenings, maxRate, args[9], profiles);
        return at;
    }

    /// <summary>A profile directory's name: 1-64 of letters, digits, '.', '_', '-', not starting with '.' or '-'.</summary>
    public static bool IsProfileName(string name)
        => name.Length is >= 1 and <= 64 && name[0] is not ('.' or '-') && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    private static bool TryNumber(string text, int min, int max, out int value)
        => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max && Text(value) == text;

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
