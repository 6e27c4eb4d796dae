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
            // The long-running image, with the options given (each overrides the config, which it reads itself).
            List<string> arguments = [parse.GetValue(foreground) ? RunProgram.ForegroundMode : RunProgram.BackgroundMode, parse.GetValue(configDir)!];
            foreach (var option in new[] { stateDir, logSource, firewall, user, pidFile })
            {
                if (parse.GetValue(option) is { } value)
                {
                    arguments.AddRange([option.Name, value]);
                }
            }
            if (Interop.GetEffectiveUserId() != 0)
            {
                throw new KnockKnockException(ExitCodes.NoPrivilege, "must start as root: it starts the firewall worker, then drops to an unprivileged user (run it with sudo or as a systemd service)");
            }
            var run = RunProgram.Executable();
            if (parse.GetValue(foreground))
            {
                // In place: the same pid for systemd, and the same standard streams; no other
                // descriptor root was started with reaches the daemon, which drops to its user.
                error.Flush();
                Interop.SetCloseOnExecFrom(3);
                Interop.Exec(run, [run, .. arguments]);
            }
            return Background.Launch(run, arguments, output, error);
        });
        return CommandRunner.Invoke(root, args, output, error);
    }
}
