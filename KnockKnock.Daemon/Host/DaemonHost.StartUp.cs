using KnockKnock.Daemon.Firewall;
using KnockKnock.Daemon.Knocks;
using KnockKnock.Daemon.Log;
using KnockKnock.Daemon.Privileges;
using KnockKnock.Daemon.Worker;

namespace KnockKnock.Daemon.Host;

/// <summary>Start-up: what runs as root before the privilege drop, and the checks around it.</summary>
internal sealed partial class DaemonHost
{
    /// <summary>
    /// Everything that needs root, in order; returns what the unprivileged loop needs. Root works
    /// only in directories no other user can write (the profiles, the state directory's root-only
    /// part, the pidfile's directory) and only relative to descriptors it opened without following
    /// symlinks; the daemon user's own directory is made and handed over, never entered.
    /// </summary>
    private Started StartAsRoot()
    {
        if (Interop.GetEffectiveUserId() != 0)
        {
            throw new KnockKnockException(ExitCodes.NoPrivilege, "must start as root: it starts the firewall worker, then drops to an unprivileged user (run it with sudo or as a systemd service)");
        }
        var firewall = FirewallBackends.Resolve(_config.Firewall);
        if (firewall.UsabilityProblem() is { } problem)
        {
            throw KnockKnockException.Failure(problem);
        }
        var workerExecutable = WorkerExecutable();
        var (uid, gid) = PrivilegeDrop.ResolveUser(_config.User);
        var keptGroup = PrivilegeDrop.ResolveKeptGroup(LogSourceOption.KeptGroup(_config.LogSource));
        var pidFile = _pidFilePath is null ? null : PidFile.Acquire(_pidFilePath);
        ProfileIndex? profiles = null;
        ILogSource? source = null;
        StateDirectory? state = null;
        try
        {
            profiles = ProfileIndex.Load(_config.ProfilesDirectory, loaded =>
            {
                state = StateDirectory.Prepare(_config.StateDirectory, uid, gid, loaded.Select(p => p.Name));
                return ServerCounters.Prepare(state.Counters, state.CountersPath, loaded.Select(p => (p.Name, Seed(p, state))));
            });
            source = LogSourceOption.Open(_config.LogSource);
            WarnAboutLogSource(profiles);
            if (LogSourceOption.UnprivilegedReadProblem(_config.LogSource, uid, gid, keptGroup) is { } readProblem)
            {
                _log.Warning(readProblem);
            }
            WarnAboutLogRules(firewall, profiles);
            var policy = new WorkerPolicy(_config.Delay, _config.ErrorWindow, _config.MaxOpenings, _config.MaxOpeningRate, _config.LogPrefix,
                profiles.Profiles.ToDictionary(p => p.Profile.Name, p => new WorkerPolicy.ProfileRule(p.Profile.KnockPort, p.Profile.AllowedPorts), StringComparer.Ordinal));
            var worker = WorkerClient.Start(firewall, _config.FirewallSettings, policy, state!.Counters, workerExecutable, onMessage: _log.Error);
            return new Started(profiles, source, worker, firewall, pidFile, state.DaemonPath, uid, gid, keptGroup);
        }
        catch
        {
            source?.Dispose();
            profiles?.Dispose();
            pidFile?.Dispose();
            throw;
        }
        finally
        {
            // Only the worker keeps the counters directory open.
            state?.Dispose();
        }
    }

    /// <summary>
    /// knockknock-worker, beside this process's own executable (its real path, whatever link started
    /// it), once <see cref="TrustedDirectory.Program"/> found that no user but root could have changed
    /// it: the daemon user must not be able to choose what keeps running as root.
    /// </summary>
    internal static string WorkerExecutable()
        => TrustedDirectory.Program(Path.GetDirectoryName(Environment.ProcessPath) ?? throw KnockKnockException.Failure("cannot find this executable's path"),
            WorkerProgram.FileName);

    /// <summary>Where a profile's server counter starts at the least: its own counter file, or the earlier layout's counter when that is higher.</summary>
    private static ulong Seed(Crypto.Profiles.Profile profile, StateDirectory state)
    {
        using var own = profile.OpenCounter();
        return Math.Max(own.Read(), state.EarlierCounters.GetValueOrDefault(profile.Name));
    }

    private void WarnAboutLogSource(ProfileIndex profiles)
    {
        if (LogSourceOption.ParseFilePath(_config.LogSource) is null)
        {
            return;
        }
        var unbound = profiles.Profiles.Where(p => !p.Profile.BindSource).Select(p => p.Profile.Name).ToList();
        if (unbound.Count > 0)
        {
            _log.Warning($"log files can be written by local users (logger -p kern.warning), unlike /dev/kmsg: a local user who sees a knock could replay it from the log before it arrives; profiles without bind_source: {string.Join(", ", unbound)}");
        }
    }

    private void WarnAboutLogRules(IFirewallBackend firewall, ProfileIndex profiles)
    {
        var unlogged = firewall.FindUnlogged(profiles.Profiles.Select(p => p.Profile.KnockPort), _config.LogPrefix, out var error);
        if (unlogged is null)
        {
            _log.Warning($"could not read the firewall ruleset to check the LOG rules: {error}");
        }
        else if (unlogged.Count > 0)
        {
            _log.Warning($"no LOG rule with prefix \"{_config.LogPrefix}\" and TCP sequence and options logging for knock port(s) {UnloggedPort.Describe(unlogged)}: "
                + "knocks to them cannot arrive (see scripts/minimal-firewall.sh)");
        }
    }
}
