using System.CommandLine;
using KnockKnock.Daemon.Config;
using KnockKnock.Daemon.Firewall;
using KnockKnock.Daemon.Host;
using KnockKnock.Daemon.Privileges;

namespace KnockKnock.Daemon.Commands;

/// <summary>
/// `knockknock-daemon flush` (root): removes all openings now. With a running daemon it sends it
/// SIGUSR1, so its worker removes them and its status stays true; the daemon is the process proven
/// by <see cref="RunningDaemon"/> (the pidfile lock's holder, run by the daemon user from the
/// long-running image beside this executable), never a pid read from a file the daemon user writes. When a process holds the lock
/// but is not the daemon, nothing is signalled. With no daemon it resets the firewall's openings itself.
/// </summary>
internal static class FlushCommand
{
    public static Command Create(Option<string?> pidFile, Option<string?> firewall, Option<string> configDir, TextWriter output)
    {
        var command = new Command("flush", "Remove all openings now.")
        {
            pidFile, firewall, configDir,
        };
        command.SetAction(parse =>
        {
            if (Interop.GetEffectiveUserId() != 0)
            {
                throw new KnockKnockException(ExitCodes.NoPrivilege, "flush needs root");
            }
            var config = DaemonConfig.Load(parse.GetValue(configDir)!);
            var (uid, _) = PrivilegeDrop.ResolveUser(config.User);
            var path = parse.GetValue(pidFile) ?? config.PidFile ?? PidFile.DefaultPath;
            using (var daemon = RunningDaemon.TryFind(path, uid, out var holder, out var reason))
            {
                if (daemon is not null)
                {
                    Interop.PidfdSendSignal(daemon, Tmds.Linux.LibC.SIGUSR1, $"pid {holder}");
                    output.WriteLine($"asked the running daemon (pid {holder}) to remove all openings");
                    return ExitCodes.Ok;
                }
                if (holder != 0)
                {
                    throw KnockKnockException.Failure($"not signalling pid {holder}, which holds {path}: {reason}");
                }
            }
            var backend = FirewallBackends.Resolve(parse.GetValue(firewall) ?? config.Firewall);
            if (!backend.TryCreateOpenings(backend.WorkerArguments(config.FirewallSettings), output.WriteLine, out var openings))
            {
                throw new InvalidOperationException($"the {backend.Name} backend refused its own settings");
            }
            using (openings)
            {
                openings.Reset();
            }
            output.WriteLine($"no daemon running (no process holds {path}); reset the {backend.Name} openings directly");
            return ExitCodes.Ok;
        });
        return command;
    }
}
