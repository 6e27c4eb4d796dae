using System.CommandLine;
using KnockKnock.Crypto;
using KnockKnock.Daemon.Config;
using KnockKnock.Daemon.Firewall;

namespace KnockKnock.Daemon.Service;

/// <summary>
/// `knockknock-daemon flush`: removes all openings now. With a running daemon it sends it SIGUSR1,
/// so its worker removes them and its status stays true; without one it resets the firewall's
/// knockknock set or chain itself (as root).
/// </summary>
internal static class FlushCommand
{
    public static Command Create(Option<string> configDir, Option<string?> stateDir, Option<string?> firewall, TextWriter output)
    {
        var command = new Command("flush", "Remove all openings now.");
        command.SetAction(parse =>
        {
            var config = DaemonConfig.Load(parse.GetValue(configDir)!);
            var directory = parse.GetValue(stateDir) ?? config.StateDirectory;
            if (Tmds.Linux.LibC.geteuid() != 0)
            {
                throw new KnockKnockException(ExitCodes.NoPrivilege, "flush needs root");
            }
            var statusPath = Path.Combine(directory, DaemonStatus.FileName);
            if (File.Exists(statusPath) && DaemonStatus.TryParse(File.ReadAllText(statusPath), out var status) && StatusCommand.IsDaemon(status.Pid))
            {
                if (Tmds.Linux.LibC.kill(status.Pid, Tmds.Linux.LibC.SIGUSR1) < 0)
                {
                    throw KnockKnockException.Failure($"cannot signal the daemon (pid {status.Pid})");
                }
                output.WriteLine($"asked the running daemon (pid {status.Pid}) to remove all openings");
                return ExitCodes.Ok;
            }
            var kind = DaemonHost.ResolveFirewall(parse.GetValue(firewall) ?? config.Firewall);
            FirewallBackend.Create(kind, config.NftSet, FirewallTool.TryRun).Reset();
            output.WriteLine($"no daemon running; reset the {kind.ToString().ToLowerInvariant()} openings directly");
            return ExitCodes.Ok;
        });
        return command;
    }
}
