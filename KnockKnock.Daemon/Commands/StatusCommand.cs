using System.CommandLine;
using System.Globalization;
using KnockKnock.Daemon.Config;
using KnockKnock.Daemon.Host;
using KnockKnock.Daemon.Privileges;

namespace KnockKnock.Daemon.Commands;

/// <summary>
/// `knockknock-daemon status`: reads the running daemon's status file (<see cref="StatusFile"/>,
/// <see cref="DaemonStatus"/>) and checks that its pid is really the daemon (<see cref="RunningDaemon"/>).
/// Every value it prints was checked for its shape first; nothing the daemon user wrote reaches the
/// terminal unchecked.
/// </summary>
internal static class StatusCommand
{
    public static Command Create(Option<string?> stateDir, Option<string?> pidFile, Option<string> configDir, TextWriter output)
    {
        var command = new Command("status", "Show whether the daemon runs, its profiles, current openings with time left, and knock counts since start.")
        {
            stateDir, pidFile, configDir,
        };
        command.SetAction(parse =>
        {
            var config = DaemonConfig.Load(parse.GetValue(configDir)!);
            var (uid, _) = PrivilegeDrop.ResolveUser(config.User);
            return Show(parse.GetValue(stateDir) ?? config.StateDirectory, parse.GetValue(pidFile) ?? config.PidFile ?? PidFile.DefaultPath, uid, output, DateTimeOffset.UtcNow);
        });
        return command;
    }

    public static int Show(string stateDirectory, string pidFile, uint daemonUid, TextWriter output, DateTimeOffset now)
    {
        var text = StatusFile.Read(stateDirectory, daemonUid);
        if (text is null)
        {
            output.WriteLine("knockknock-daemon is not running");
            return ExitCodes.Failure;
        }
        if (!DaemonStatus.TryParse(text, out var status))
        {
            throw KnockKnockException.Failure($"unreadable status file in {stateDirectory}/{StateDirectory.DaemonName}: not what a daemon writes");
        }
        if (!IsRunning(status.Pid, pidFile, daemonUid))
        {
            output.WriteLine($"knockknock-daemon is not running (stale status from pid {status.Pid})");
            return ExitCodes.Failure;
        }
        output.WriteLine($"knockknock-daemon is running: pid {status.Pid}, worker pid {status.WorkerPid}, since {status.Started:yyyy-MM-dd HH:mm:ss}Z");
        output.WriteLine($"log source: {status.LogSource} ({status.LogSourceCounters})");
        output.WriteLine(status.FirewallRecreated is { } recreated
            ? $"firewall: {status.Firewall}; the worker last recreated what openings need, gone after a reload, at {recreated:yyyy-MM-dd HH:mm:ss}Z ({Seconds(now - recreated)} s ago)"
            : $"firewall: {status.Firewall}");
        output.WriteLine("profiles:");
        foreach (var (name, knockPort, allowed, last) in status.Profiles)
        {
            var lastText = last is { } t ? $"{t:yyyy-MM-dd HH:mm:ss}Z ({Seconds(now - t)} s ago)" : "never";
            output.WriteLine($"  {name}: knock port {knockPort}, allows {allowed}, last accepted knock {lastText}");
        }
        var openings = status.Openings.Where(o => o.Until > now).ToList();
        output.WriteLine(openings.Count == 0 ? "openings: none"
            : status.OpeningCount > status.Openings.Count ? $"openings: {status.OpeningCount} at the last update, the {status.Openings.Count} latest listed:"
            : "openings:");
        foreach (var o in openings)
        {
            output.WriteLine($"  {o.Source} -> port {o.Port} (profile {o.Profile}), {Seconds(o.Until - now)} s left");
        }
        output.WriteLine($"knocks since start: {status.Accepted} accepted, {status.Rejected} rejected ({status.RejectedByReason}), {status.Retransmissions} retransmission(s) of used knocks");
        return ExitCodes.Ok;
    }

    /// <summary>The status file's pid is the daemon: the proven holder of the pidfile, or (a foreground daemon without one) the long-running image beside this executable run by the daemon user.</summary>
    private static bool IsRunning(int pid, string pidFile, uint daemonUid)
    {
        using var holder = RunningDaemon.TryFind(pidFile, daemonUid, out var holderPid, out _);
        return holder is not null ? holderPid == pid : RunningDaemon.IsDaemon(pid, daemonUid, out _);
    }

    private static string Seconds(TimeSpan span) => Math.Max(0, (int)Math.Ceiling(span.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
}
