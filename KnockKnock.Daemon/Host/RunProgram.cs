using KnockKnock.Cli;
using KnockKnock.Daemon.Config;
using KnockKnock.Daemon.Log;
using KnockKnock.Daemon.Privileges;

namespace KnockKnock.Daemon.Host;

/// <summary>
/// The entry point of knockknock-daemon-run, the daemon's long-running image (published from this
/// project with <c>-p:KnockKnockDaemonRun=true</c>; see the project file). knockknock-daemon, the
/// command line, parses the options and then execs it in place (same pid) under --foreground, or
/// starts it detached (<see cref="Background"/>). Its entry point reaches the host, the knock
/// path and the log sources, not System.CommandLine, the help, genprofile or the other commands,
/// so NativeAOT leaves those out of the image that keeps running: 2.75 MB against 4.19, and about
/// as much less resident (docs/PERFORMANCE.md, section 8).
/// </summary>
/// <remarks>
/// Arguments: <c>MODE CONFIG_DIR [--state-dir DIR] [--log-source SOURCE] [--firewall NAME]
/// [--user NAME] [--pidfile FILE]</c>: MODE <c>foreground</c> or <c>background</c>, each option
/// at most once, its value as knockknock-daemon's command line gave it (which overrides the
/// config). Errors are knockknock-daemon's: one line each, the same exit codes; 2 for bad arguments.
/// </remarks>
internal static class RunProgram
{
    /// <summary>Its file name; knockknock-daemon runs it from the directory of its own executable.</summary>
    public const string FileName = "knockknock-daemon-run";

    public const string ForegroundMode = "foreground";
    public const string BackgroundMode = "background";

    /// <summary>The options it takes, each followed by its value: knockknock-daemon's own names for them.</summary>
    private static readonly string[] s_options = ["--state-dir", "--log-source", "--firewall", "--user", "--pidfile"];

    private const string CommandName = "knockknock-daemon";

    private static int Main(string[] args)
    {
        Interop.RestoreChildSignal();
        var error = StandardStreams.Error;
        if (args is not [ForegroundMode or BackgroundMode, var configDirectory, .. var rest] || !TryParseOptions(rest, out var options))
        {
            error.WriteLine($"{CommandName}: usage: {FileName} {ForegroundMode}|{BackgroundMode} CONFIG_DIR [{string.Join("] [", s_options.Select(o => $"{o} VALUE"))}] (knockknock-daemon starts it)");
            return ExitCodes.Usage;
        }
        return CommandErrors.Run(CommandName, error, () => Run(args[0] == BackgroundMode, configDirectory, options, error));
    }

    private static bool TryParseOptions(string[] words, out Dictionary<string, string> options)
    {
        options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < words.Length; i += 2)
        {
            if (i + 1 >= words.Length || !s_options.Contains(words[i], StringComparer.Ordinal) || !options.TryAdd(words[i], words[i + 1]))
            {
                return false;
            }
        }
        return true;
    }

    private static int Run(bool background, string configDirectory, Dictionary<string, string> options, TextWriter error)
    {
        var config = DaemonConfig.Load(configDirectory);
        config = config with
        {
            StateDirectory = options.GetValueOrDefault("--state-dir") ?? config.StateDirectory,
            LogSource = options.GetValueOrDefault("--log-source") ?? config.LogSource,
            Firewall = options.GetValueOrDefault("--firewall") ?? config.Firewall,
            User = options.GetValueOrDefault("--user") ?? config.User,
        };
        LogSourceOption.ParseFilePath(config.LogSource);
        var pidFile = options.GetValueOrDefault("--pidfile") ?? config.PidFile;
        if (!background)
        {
            return new DaemonHost(config, DaemonLog.ToWriter(error), pidFile, reloadByExit: true).Run();
        }
        Background.StartSession();
        var attached = error;
        var log = DaemonLog.ToSyslog(() => Volatile.Read(ref attached));
        var host = new DaemonHost(config, log, pidFile ?? PidFile.DefaultPath, onStarted: () =>
        {
            Volatile.Write(ref attached, null);
            Background.Detach(error);
        });
        try
        {
            return host.Run();
        }
        catch (Exception e) when (Volatile.Read(ref attached) is null && e is KnockKnockException or IOException or InvalidOperationException)
        {
            // Detached: the terminal is gone, so the last word goes to syslog.
            log.Error(e.Message);
            return e is KnockKnockException k ? k.ExitCode : ExitCodes.Failure;
        }
    }

    /// <summary>
    /// knockknock-daemon-run, beside this process's own executable, once
    /// <see cref="TrustedDirectory.Program"/> found that no user but root could have changed it.
    /// </summary>
    public static string Executable()
        => TrustedDirectory.Program(Path.GetDirectoryName(Environment.ProcessPath) ?? throw KnockKnockException.Failure("cannot find this executable's path"), FileName);
}
