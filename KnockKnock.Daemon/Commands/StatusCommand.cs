using System.CommandLine;
using System.Globalization;
using KnockKnock.Daemon.Config;
using KnockKnock.Daemon.Host;

namespace KnockKnock.Daemon.Commands;

/// <summary>`knockknock-daemon status`: reads STATE_DIR/status (see <see cref="DaemonStatus"/>) and checks its pid lives.</summary>
internal static class StatusCommand
{
    public static Command Create(Option<string?> stateDir, Option<string> configDir, TextWriter output)
    {
        var command = new Command("status", "Show whether the daemon runs, its profiles, current openings with time left, and knock counts since start.")
        {
            stateDir, configDir,
        };
        command.SetAction(parse =>
        {
            var config = DaemonConfig.Load(parse.GetValue(configDir)!);
            var directory = parse.GetValue(stateDir) ?? config.StateDirectory;
            return Show(directory, output, DateTimeOffset.UtcNow);
        });
        return command;
    }

    public static int Show(string stateDirectory, TextWriter output, DateTimeOffset now)
    {
        var path = Path.Combine(stateDirectory, DaemonStatus.FileName);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (FileNotFoundException)
        {
            output.WriteLine("knockknock-daemon is not running");
            return ExitCodes.Failure;
        }
        catch (DirectoryNotFoundException)
        {
            output.WriteLine("knockknock-daemon is not running");
            return ExitCodes.Failure;
        }
        if (!DaemonStatus.TryParse(text, out var status))
        {
            throw KnockKnockException.Failure($"unreadable status file {path}");
        }
        if (!IsDaemon(status.Pid))
        {
            output.WriteLine($"knockknock-daemon is not running (stale status from pid {status.Pid})");
            return ExitCodes.Failure;
        }
        output.WriteLine($"knockknock-daemon is running: pid {status.Pid}, worker pid {status.WorkerPid}, since {status.Started:yyyy-MM-dd HH:mm:ss}Z");
        output.WriteLine($"log source: {status.LogSource} ({status.LogSourceCounters})");
        output.WriteLine($"firewall: {status.Firewall}");
        output.WriteLine("profiles:");
        foreach (var (name, knockPort, allowed, last) in status.Profiles)
        {
            var lastText = last is { } t ? $"{t:yyyy-MM-dd HH:mm:ss}Z ({Seconds(now - t)} s ago)" : "never";
            output.WriteLine($"  {name}: knock port {knockPort}, allows {allowed}, last accepted knock {lastText}");
        }
        var openings = status.Openings.Where(o => o.Until > now).ToList();
        output.WriteLine(openings.Count == 0 ? "openings: none" : "openings:");
        foreach (var o in openings)
        {
            output.WriteLine($"  {o.Source} -> port {o.Port} (profile {o.Profile}), {Seconds(o.Until - now)} s left");
        }
        output.WriteLine($"knocks since start: {status.Accepted} accepted, {status.Rejected} rejected ({status.RejectedByReason})");
        return ExitCodes.Ok;
    }

    /// <summary>Whether <paramref name="pid"/> is a live knockknock-daemon (not a reused pid).</summary>
    public static bool IsDaemon(int pid)
    {
        try
        {
            var cmdline = File.ReadAllText($"/proc/{pid}/cmdline");
            return cmdline.Contains("knockknock-daemon", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static string Seconds(TimeSpan span) => Math.Max(0, (int)Math.Ceiling(span.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
}
