using System.Runtime.InteropServices;
using KnockKnock.Daemon.Knocks;
using KnockKnock.Daemon.Worker;

namespace KnockKnock.Daemon.Host;

/// <summary>
/// How the daemon stops: SIGTERM and SIGINT stop it (the worker removes every opening, exit 0); a
/// dead worker stops it (exit 1); SIGHUP under a service manager stops it for a reload (the worker
/// detaches keeping the openings, exit <see cref="ExitCodes.Reload"/>); SIGUSR1 flushes.
/// </summary>
internal sealed partial class DaemonHost
{
    private const PosixSignal SigUsr1 = (PosixSignal)10;

    private List<PosixSignalRegistration> HandleSignals(StopRequest stop, WorkerClient worker, KnockProcessor processor, Action publish)
    {
        return
        [
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop),
            PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop),
            PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                context.Cancel = true;
                if (!_reloadByExit)
                {
                    _log.Warning("SIGHUP: cannot reload, the profiles are root-only and this process dropped root; restart the daemon to reload (systemctl restart knockknock-daemon)");
                    return;
                }
                _log.Info($"SIGHUP: reloading by restart: the profiles are root-only and this process dropped root; openings are kept, exiting with code {ExitCodes.Reload} so the service manager starts a fresh daemon");
                stop.Reload();
            }),
            PosixSignalRegistration.Create(SigUsr1, context =>
            {
                context.Cancel = true;
                Flush(worker, processor);
                publish();
            }),
        ];

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }

    /// <summary>A worker that exits while the daemon is not stopping is a failure: the daemon stops with exit 1.</summary>
    private void WatchWorker(StopRequest stop, WorkerClient worker)
    {
        worker.Exited.ContinueWith(
            exit =>
            {
                if (stop.TryFail())
                {
                    _log.Error($"the firewall worker (pid {worker.ProcessId}) exited with code {exit.Result}; stopping");
                }
            },
            TaskScheduler.Default);
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
}
