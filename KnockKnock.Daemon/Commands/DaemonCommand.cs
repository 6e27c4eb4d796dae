using System.CommandLine;
using KnockKnock.Cli;
using KnockKnock.Daemon.Config;
using KnockKnock.Daemon.Host;
using KnockKnock.Daemon.Log;

namespace KnockKnock.Daemon.Commands;

/// <summary>
/// `knockknock-daemon`: the command line. Settings come from CONFIG_DIR/config; options override
/// them. Without --foreground it goes to the background (<see cref="Background"/>).
/// </summary>
internal static class DaemonCommand
{
    public const string CommandName = "knockknock-daemon";

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var backgroundChild = args is [Background.ChildMode, ..];
        if (backgroundChild)
        {
            args = args[1..];
        }
        var foreground = new Option<bool>("--foreground", "-f") { Description = "Stay in the foreground and log to stderr (for systemd and tests)" };
        var configDir = DaemonOptions.ConfigDirectory();
        var stateDir = DaemonOptions.StateDirectory();
        var logSource = DaemonOptions.LogSource();
        var firewall = DaemonOptions.Firewall();
        var user = new Option<string?>("--user") { Description = "User to drop to after start-up (default knockknock, which must exist)" };
        var pidFile = DaemonOptions.PidFile();
        var root = new Command(CommandName, "KnockKnock daemon: reads knock SYNs from the kernel log and opens ports through a root worker.")
        {
            foreground, configDir, stateDir, logSource, firewall, user, pidFile,
        };
        root.Subcommands.Add(StatusCommand.Create(DaemonOptions.StateDirectory(), DaemonOptions.PidFile(), DaemonOptions.ConfigDirectory(), output));
        root.Subcommands.Add(CheckCommand.Create(DaemonOptions.LogSource(), DaemonOptions.Firewall(), DaemonOptions.ConfigDirectory(), output));
        root.Subcommands.Add(FlushCommand.Create(DaemonOptions.PidFile(), DaemonOptions.Firewall(), DaemonOptions.ConfigDirectory(), output));
        root.Subcommands.Add(RulesCommand.Create(DaemonOptions.Firewall(), DaemonOptions.ConfigDirectory(), output));
        root.SetAction(parse =>
        {
            var config = DaemonConfig.Load(parse.GetValue(configDir)!);
            config = config with
            {
                StateDirectory = parse.GetValue(stateDir) ?? config.StateDirectory,
                LogSource = parse.GetValue(logSource) ?? config.LogSource,
                Firewall = parse.GetValue(firewall) ?? config.Firewall,
                User = parse.GetValue(user) ?? config.User,
            };
            LogSourceOption.ParseFilePath(config.LogSource);
            if (parse.GetValue(foreground))
            {
                return new DaemonHost(config, DaemonLog.ToWriter(error), parse.GetValue(pidFile) ?? config.PidFile, reloadByExit: true).Run();
            }
            if (!backgroundChild)
            {
                if (Interop.GetEffectiveUserId() != 0)
                {
                    throw new KnockKnockException(ExitCodes.NoPrivilege, "must start as root: it starts the firewall worker, then drops to an unprivileged user (run it with sudo or as a systemd service)");
                }
                return Background.Launch(args, output, error);
            }
            Background.StartSession();
            var attached = error;
            var log = DaemonLog.ToSyslog(() => Volatile.Read(ref attached));
            var host = new DaemonHost(config, log, parse.GetValue(pidFile) ?? config.PidFile ?? PidFile.DefaultPath, onStarted: () =>
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
        });
        return CommandRunner.Invoke(root, args, output, error);
    }
}
