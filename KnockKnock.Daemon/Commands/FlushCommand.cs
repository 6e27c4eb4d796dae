using System.CommandLine;
using KnockKnock.Daemon.Config;
using KnockKnock.Daemon.Firewall;
using KnockKnock.Daemon.Host;

namespace KnockKnock.Daemon.Commands;

/// <summary>
/// `knockknock-daemon flush`: removes all openings now. With a running daemon it sends it SIGUSR1,
/// so its worker removes them and its status stays true; without one it resets the firewall's
/// knockknock set or chain itself (as root).
/// </summary>
internal static class FlushCommand
{
    public static Command Create(Option<string?> stateDir, Option<string?> firewall, Option<string> configDir, TextWriter output)
    {
        var command = new Command("flush", "Remove all openings now.")
        {
            stateDir, firewall, configDir,
        };
        command.SetAction(parse =>
        {
            var config = DaemonConfig.Load(parse.GetValue(configDir)!);
            var directory = parse.GetValue(stateDir) ?? config.StateDirectory;
            if (Interop.GetEffectiveUserId() != 0)
            {
                throw new KnockKnockException(ExitCodes.NoPrivilege, "flush needs root");
            }
            var statusPath = Path.Combine(directory, DaemonStatus.FileName);
            if (File.Exists(statusPath) && DaemonStatus.TryParse(File.ReadAllText(statusPath), out var status) && StatusCommand.IsDaemon(status.Pid))
            {
                if (!Interop.TryPidfdOpen(status.Pid, out var pidfd, out _))
                {
                    throw KnockKnockException.Failure($"cannot signal the daemon (pid {status.Pid})");
                }
                using (pidfd)
                {
                    Interop.PidfdSendSignal(pidfd, Tmds.Linux.LibC.SIGUSR1, $"pid {status.Pid}");
                }
                output.WriteLine($"asked the running daemon (pid {status.Pid}) to remove all openings");
                return ExitCodes.Ok;
            }
            var backend = FirewallBackends.Resolve(parse.GetValue(firewall) ?? config.Firewall);
            if (!backend.TryCreateOpenings(backend.WorkerArguments(config.FirewallSettings), FirewallTool.TryRun, out var openings))
            {
                throw new InvalidOperationException($"the {backend.Name} backend refused its own settings");
            }
            openings.Reset();
            output.WriteLine($"no daemon running; reset the {backend.Name} openings directly");
            return ExitCodes.Ok;
        });
        return command;
    }
}
