using System.Runtime.InteropServices;
using KnockKnock.Crypto;
using KnockKnock.Daemon.Config;
using KnockKnock.Daemon.Firewall;
using KnockKnock.Daemon.Knocks;
using KnockKnock.Daemon.Log;
using KnockKnock.Daemon.Privileges;
using KnockKnock.Daemon.Worker;

namespace KnockKnock.Daemon.Service;

/// <summary>
/// The daemon's life (DESIGN.md invariant 5): as root, load config and profiles, take the pidfile,
/// prepare the state directory, open the log source, start the root worker; then drop to the
/// daemon user and read the log until SIGTERM/SIGINT (exit 0, worker removes all openings) or the
/// worker dies (exit 1). SIGUSR1 flushes all openings (`knockknock-daemon flush`). SIGHUP cannot
/// reload in place: the profiles are root-only and this process has dropped root, so a restart is
/// the reload (README, "Reloading"). Under a service manager (--foreground) SIGHUP detaches the
/// worker (openings kept, the kernel expires them) and exits <see cref="ExitCodes.Reload"/>, which
/// the systemd unit restarts at once; in the background mode nobody would restart it, so SIGHUP
/// only logs a warning there.
/// </summary>
internal sealed class DaemonHost
{
    private const PosixSignal SigUsr1 = (PosixSignal)10;
    private static readonly TimeSpan s_statusInterval = TimeSpan.FromSeconds(2);

    private readonly DaemonConfig _config;
    private readonly DaemonLog _log;
    private readonly string? _pidFilePath;
    private readonly Action? _onStarted;
    private readonly bool _reloadByExit;

    /// <param name="pidFilePath">The pidfile to hold, or null for none.</param>
    /// <param name="onStarted">Called once the daemon runs unprivileged (the background child detaches then).</param>
    /// <param name="reloadByExit">True under a service manager that restarts the daemon on exit code
    /// <see cref="ExitCodes.Reload"/> (--foreground): SIGHUP then exits with it, keeping the openings.</param>
    public DaemonHost(DaemonConfig config, DaemonLog log, string? pidFilePath = null, Action? onStarted = null, bool reloadByExit = false)
    {
        _config = config;
        _log = log;
        _pidFilePath = pidFilePath;
        _onStarted = onStarted;
        _reloadByExit = reloadByExit;
    }

    private sealed record Started(ProfileIndex Profiles, ILogSource Source, WorkerClient Worker, FirewallKind Kind, PidFile? PidFile);

    /// <summary>Everything that needs root, in order; returns what the unprivileged loop needs.</summary>
    private Started StartAsRoot()
    {
        if (Tmds.Linux.LibC.geteuid() != 0)
        {
            throw new KnockKnockException(ExitCodes.NoPrivilege, "must start as root: it starts the firewall worker, then drops to an unprivileged user (run it with sudo or as a systemd service)");
        }
        var kind = ResolveFirewall(_config.Firewall);
        if (kind == FirewallKind.Iptables && IptablesBackend.VariantProblem() is { } legacy)
        {
            throw KnockKnockException.Failure(legacy);
        }
        var (uid, gid) = PrivilegeDrop.ResolveUser(_config.User);
        var pidFile = _pidFilePath is null ? null : PidFile.Acquire(_pidFilePath, uid, gid);
        ProfileIndex? profiles = null;
        ILogSource? source = null;
        try
        {
            StateDirectory.Prepare(_config.StateDirectory, uid, gid);
            profiles = ProfileIndex.Load(_config.ProfilesDirectory, _config.StateDirectory, uid, gid);
            source = LogSourceOption.Open(_config.LogSource);
            WarnAboutLogSource(profiles);
            if (LogSourceOption.UnprivilegedReadProblem(_config.LogSource, uid, gid) is { } problem)
            {
                _log.Warning(problem);
            }
            WarnAboutLogRules(kind, profiles);
            var worker = WorkerClient.Start(kind, _config.NftSet, onMessage: _log.Error);
            return new Started(profiles, source, worker, kind, pidFile);
        }
        catch
        {
            source?.Dispose();
            profiles?.Dispose();
            pidFile?.Dispose();
            throw;
        }
    }

    public int Run()
    {
        var (profiles, source, worker, kind, pidFile) = StartAsRoot();
        using var cancel = new CancellationTokenSource();
        var workerDied = false;
        var reloading = false;
        var startedAt = DateTimeOffset.UtcNow;
        try
        {
            var (uid, gid) = PrivilegeDrop.Drop(_config.User);
            CheckStateAccess(profiles, uid);
            var processor = new KnockProcessor(new LogLineParser(_config.LogPrefix), profiles, new WorkerOpener(worker), _log, _config.Delay, _config.ErrorWindow);
            var statusGate = new Lock();
            void Publish()
            {
                lock (statusGate)
                {
                    try
                    {
                        Status(processor, profiles, worker, kind, startedAt).Write(_config.StateDirectory);
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        _log.Error($"cannot write the status file: {e.Message}");
                    }
                }
            }

            processor.Opened += Publish;
            using var statusTimer = new Timer(_ => Publish(), null, s_statusInterval, s_statusInterval);
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            using var hangUp = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                context.Cancel = true;
                if (!_reloadByExit)
                {
                    _log.Warning("SIGHUP: cannot reload, the profiles are root-only and this process dropped root; restart the daemon to reload (systemctl restart knockknock-daemon)");
                    return;
                }
                _log.Info($"SIGHUP: reloading by restart: the profiles are root-only and this process dropped root; openings are kept, exiting with code {ExitCodes.Reload} so the service manager starts a fresh daemon");
                // Set before the cancel: the worker's exit after detach is then no crash.
                Volatile.Write(ref reloading, true);
                cancel.Cancel();
            });
            using var flush = PosixSignalRegistration.Create(SigUsr1, context =>
            {
                context.Cancel = true;
                Flush(worker, processor);
                Publish();
            });
            worker.Exited.ContinueWith(
                exit =>
                {
                    if (!cancel.IsCancellationRequested)
                    {
                        workerDied = true;
                        _log.Error($"the firewall worker (pid {worker.ProcessId}) exited with code {exit.Result}; stopping");
                        cancel.Cancel();
                    }
                },
                TaskScheduler.Default);
            Publish();
            _log.Info($"started: {profiles.Profiles.Count} profile(s) on knock port(s) {string.Join(", ", profiles.Profiles.Select(p => p.Profile.KnockPort))}, "
                + $"log source {LogSourceOption.Describe(_config.LogSource)}, firewall {kind.ToString().ToLowerInvariant()} (worker pid {worker.ProcessId}), "
                + $"running as uid {uid} gid {gid}, openings last {_config.Delay} s");
            _onStarted?.Invoke();
            source.Run(processor.Process, cancel.Token);
            _log.Info($"stopping: {processor.Statistics.Accepted} knock(s) accepted, {processor.Statistics.Rejected} rejected; "
                + (Volatile.Read(ref reloading) && !workerDied ? "keeping the openings" : "removing all openings"));
        }
        finally
        {
            cancel.Cancel();
            if (Volatile.Read(ref reloading) && !workerDied)
            {
                // On failure the Dispose below stops the worker the usual way, removing the openings.
                CleanUp("detaching the worker (openings kept)", () =>
                    _log.Info($"the firewall worker (pid {worker.ProcessId}) detached and exited with code {worker.Detach()}; openings kept"));
            }
            CleanUp("stopping the worker", worker.Dispose);
            CleanUp("closing the log source", source.Dispose);
            CleanUp("closing the profiles", profiles.Dispose);
            CleanUp("removing the status file", () => File.Delete(Path.Combine(_config.StateDirectory, DaemonStatus.FileName)));
            CleanUp("removing the pidfile", () => pidFile?.Dispose());
        }
        return workerDied ? ExitCodes.Failure : Volatile.Read(ref reloading) ? ExitCodes.Reload : ExitCodes.Ok;

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            cancel.Cancel();
        }
    }

    /// <summary>Each shutdown step runs even when an earlier one failed; failures are logged, not thrown.</summary>
    private void CleanUp(string what, Action step)
    {
        try
        {
            step();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            _log.Error($"{what} failed: {e.Message}");
        }
    }

    private void Flush(WorkerClient worker, KnockProcessor processor)
    {
        try
        {
            worker.Flush();
            processor.Openings.Clear();
            _log.Info("flushed: all openings removed (SIGUSR1)");
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            _log.Error($"flush failed: {e.Message}");
        }
    }

    private DaemonStatus Status(KnockProcessor processor, ProfileIndex profiles, WorkerClient worker, FirewallKind kind, DateTimeOffset startedAt)
    {
        var now = DateTimeOffset.UtcNow;
        return new DaemonStatus(
            Environment.ProcessId,
            worker.ProcessId,
            startedAt,
            now,
            LogSourceOption.Describe(_config.LogSource),
            kind.ToString().ToLowerInvariant(),
            processor.Statistics.Accepted,
            processor.Statistics.Rejected,
            processor.Statistics.DescribeTotals(),
            [.. profiles.Profiles.Select(p => (p.Profile.Name, p.Profile.KnockPort, p.Profile.AllowedPorts.Text, p.LastAccepted))],
            processor.Openings.Current(now));
    }

    /// <summary>Fails at start, not at the first knock, when the dropped user cannot reach its counters.</summary>
    private void CheckStateAccess(ProfileIndex profiles, uint uid)
    {
        try
        {
            foreach (var profile in profiles.Profiles)
            {
                profile.Counter.Read();
            }
        }
        catch (KnockKnockException e)
        {
            throw KnockKnockException.Usage($"after dropping to uid {uid}: {e.Message} (every directory above the state directory {_config.StateDirectory} must be searchable by that user)");
        }
    }

    public static FirewallKind ResolveFirewall(string setting)
    {
        var kind = setting switch
        {
            "nft" => FirewallKind.Nft,
            "iptables" => FirewallKind.Iptables,
            _ => FirewallDetection.Detect(),
        };
        var tool = kind == FirewallKind.Nft ? FirewallCommands.NftPath : FirewallCommands.IptablesPath;
        if (!File.Exists(tool))
        {
            throw KnockKnockException.Failure($"firewall tool {tool} not found: install {(kind == FirewallKind.Nft ? "nftables" : "iptables")} or set firewall = {(kind == FirewallKind.Nft ? "iptables" : "nft")}");
        }
        return kind;
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

    private void WarnAboutLogRules(FirewallKind kind, ProfileIndex profiles)
    {
        var unlogged = LogRuleCheck.FindUnlogged(kind, profiles.Profiles.Select(p => p.Profile.KnockPort), _config.LogPrefix, out var error);
        if (unlogged is null)
        {
            _log.Warning($"could not read the firewall ruleset to check the LOG rules: {error}");
        }
        else if (unlogged.Count > 0)
        {
            _log.Warning($"no LOG rule with prefix \"{_config.LogPrefix}\" and TCP sequence logging for knock port(s) {string.Join(", ", unlogged)}: knocks to them cannot arrive (see scripts/minimal-firewall.sh)");
        }
    }

    /// <summary>Adapts the worker client to the processor without making the worker depend on knock code.</summary>
    private sealed class WorkerOpener(WorkerClient worker) : IPortOpener
    {
        public bool TryOpen(uint source, ushort port, int seconds, out string error) => worker.TryOpen(source, port, seconds, out error);
    }
}
