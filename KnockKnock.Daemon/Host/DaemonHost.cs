using System.Runtime.InteropServices;
using KnockKnock.Daemon.Config;
using KnockKnock.Daemon.Firewall;
using KnockKnock.Daemon.Knocks;
using KnockKnock.Daemon.Log;
using KnockKnock.Daemon.Privileges;
using KnockKnock.Daemon.Worker;

namespace KnockKnock.Daemon.Host;

/// <summary>
/// The daemon's life (DESIGN.md invariant 5): as root, load config and profiles, take the pidfile,
/// prepare the state directory, open the log source, start the root worker; then drop to the
/// daemon user, resume the log where the last daemon stopped (<see cref="PositionKeeper"/>,
/// invariant 10) and read it until SIGTERM/SIGINT (exit 0, worker removes all openings) or the
/// worker dies (exit 1). SIGUSR1 flushes all openings (`knockknock-daemon flush`). SIGHUP cannot
/// reload in place: the profiles are root-only and this process has dropped root, so a restart is
/// the reload (README, "Reloading"). Under a service manager (--foreground) SIGHUP detaches the
/// worker (openings kept, the kernel expires them) and exits <see cref="ExitCodes.Reload"/>, which
/// the systemd unit restarts at once; in the background mode nobody would restart it, so SIGHUP
/// only logs a warning there.
/// </summary>
internal sealed partial class DaemonHost
{
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

    private sealed record Started(ProfileIndex Profiles, ILogSource Source, WorkerClient Worker, IFirewallBackend Firewall, PidFile? PidFile, string DaemonDirectory,
        uint Uid, uint Gid, uint? KeptGroup);

    public int Run()
    {
        var (profiles, source, worker, firewall, pidFile, daemonDirectory, uid, gid, keptGroup) = StartAsRoot();
        using var stop = new StopRequest();
        var startedAt = DateTimeOffset.UtcNow;
        try
        {
            PrivilegeDrop.Drop(uid, gid, keptGroup);
            var processor = new KnockProcessor(new LogLineParser(_config.LogPrefix), profiles, new WorkerOpener(worker), _log, _config.Delay, _config.ErrorWindow)
            {
                MaxKnockAge = TimeSpan.FromSeconds(_config.MaxKnockAge),
            };
            using var positions = PositionKeeper.Resume(source, daemonDirectory, _log);
            var firewallWatch = new FirewallWatch(worker.Check, () => processor.Statistics.Accepted + processor.Statistics.Rejected, _log, _config.LogPrefix, startedAt);
            var statusGate = new Lock();
            var statusFailing = false;
            void Publish()
            {
                lock (statusGate)
                {
                    try
                    {
                        Status(processor, profiles, worker, firewall, firewallWatch.LastRecreated, source, startedAt).Write(daemonDirectory);
                        if (statusFailing)
                        {
                            statusFailing = false;
                            _log.Info("the status file is written again");
                        }
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        // Once per failure spell (a full disk would otherwise log every 2 s); knocks go on.
                        if (!statusFailing)
                        {
                            statusFailing = true;
                            _log.Error($"cannot write the status file (knocks are still served): {e.Message}");
                        }
                    }
                }
            }

            // After an opening, at most one write per 250 ms: each write makes, fills and renames a
            // file, which under a burst of knocks cost the daemon more than the knocks themselves;
            // the timer writes the rest within 2 s. Opened is raised on the knock thread only.
            var openedPublished = 0L;
            processor.Opened += () =>
            {
                var now = Environment.TickCount64;
                if (now - openedPublished >= 250)
                {
                    openedPublished = now;
                    Publish();
                }
            };
            processor.Opened += positions.Request;
            var release = new IdleRelease(() => processor.Statistics.Accepted + processor.Statistics.Rejected, () => processor.Openings.Count, HeapRelease.Run);
            using var statusTimer = new Timer(_ =>
            {
                Publish();
                release.Tick();
            }, null, s_statusInterval, s_statusInterval);
            using var firewallTimer = new Timer(_ => firewallWatch.Poll(DateTimeOffset.UtcNow), null, FirewallWatch.Interval, FirewallWatch.Interval);
            var signals = HandleSignals(stop, worker, processor, Publish);
            try
            {
                WatchWorker(stop, worker);
                Publish();
                if (PrivilegeDrop.SharedUserWarning(_config.User) is { } shared)
                {
                    _log.Warning(shared);
                }
                _log.Info($"started: {profiles.Profiles.Count} profile(s) on knock port(s) {string.Join(", ", profiles.Profiles.Select(p => p.Profile.KnockPort))}, "
                    + $"log source {LogSourceOption.Describe(_config.LogSource)}, firewall {firewall.Name} (worker pid {worker.ProcessId}), "
                    + $"running as uid {uid} gid {gid}{(keptGroup is { } kept ? $" with group {kept}" : "")}, openings last {_config.Delay} s");
                _onStarted?.Invoke();
                source.Run((line, replayAge) =>
                {
                    processor.Process(line, replayAge);
                    positions.AfterLine();
                }, stop.Token);
                positions.Save();
                _log.Info($"stopping: {processor.Statistics.Accepted} knock(s) accepted, {processor.Statistics.Rejected} rejected; "
                    + (stop.KeepsOpenings ? "keeping the openings" : "removing all openings"));
            }
            finally
            {
                signals.ForEach(s => s.Dispose());
            }
        }
        finally
        {
            stop.Cancel();
            if (stop.KeepsOpenings)
            {
                // On failure the Dispose below stops the worker the usual way, removing the openings.
                CleanUp("detaching the worker (openings kept)", () =>
                    _log.Info($"the firewall worker (pid {worker.ProcessId}) detached and exited with code {worker.Detach()}; openings kept"));
            }
            CleanUp("stopping the worker", worker.Dispose);
            CleanUp("closing the log source", source.Dispose);
            CleanUp("closing the profiles", profiles.Dispose);
            CleanUp("removing the status file", () => File.Delete(Path.Combine(daemonDirectory, DaemonStatus.FileName)));
            CleanUp("removing the pidfile", () => pidFile?.Dispose());
        }
        return stop.ExitCode;
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

    private DaemonStatus Status(KnockProcessor processor, ProfileIndex profiles, WorkerClient worker, IFirewallBackend firewall, DateTimeOffset? firewallRecreated, ILogSource source, DateTimeOffset startedAt)
    {
        var now = DateTimeOffset.UtcNow;
        var (openingCount, openings) = processor.Openings.Current(now, DaemonStatus.ListedOpenings);
        return new DaemonStatus(
            Environment.ProcessId,
            worker.ProcessId,
            startedAt,
            now,
            LogSourceOption.Describe(_config.LogSource),
            source.Counters,
            firewall.Name,
            firewallRecreated,
            processor.Statistics.Accepted,
            processor.Statistics.Rejected,
            processor.Statistics.Retransmissions,
            processor.Statistics.DescribeTotals(),
            [.. profiles.Profiles.Select(p => (p.Profile.Name, p.Profile.KnockPort, p.Profile.AllowedPorts.Text, p.LastAccepted))],
            openingCount,
            openings);
    }

    /// <summary>Adapts the worker client to the processor without making the worker depend on knock code.</summary>
    private sealed class WorkerOpener(WorkerClient worker) : IPortOpener
    {
        public OpenOutcome TryOpen(string profile, ulong counter, HostAddress source, ushort port, int seconds, out string reason)
            => worker.TryOpen(profile, counter, source, port, seconds, out reason);
    }
}
