using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using KnockKnock.Daemon.Firewall;
using Tmds.Linux;

namespace KnockKnock.Daemon.Worker;

/// <summary>
/// The root worker: the only process that keeps root after start-up, so it does one job. It reads
/// requests from its end of a socketpair (an inherited descriptor; see <see cref="WorkerClient"/>),
/// validates each one again, checks it against the policy root gave it on its command line
/// (<see cref="OpeningGate"/>), stores the knock's counter durably, adds the opening to the firewall
/// through the backend's library (libnftables or libipset, one context at a time, in this process), and
/// answers. The kernel closes each opening when its delay ends (set timeouts), so no process has
/// to. Every 10 s, and whenever an opening notices it, the backend recreates what a firewall
/// reload removed (<see cref="FirewallUpkeep"/>). At start it keeps the openings an earlier worker
/// left. On end of stream or SIGTERM it removes every opening and exits 0; on <c>detach</c> it
/// answers <c>ok</c> and exits 0 keeping them. No crypto, no profiles, no log parsing here (a test
/// checks), and no path: the counters directory comes as a descriptor. One thread does all of it:
/// the firewall libraries' contexts are not thread-safe.
/// </summary>
/// <remarks>
/// Arguments: <c>FD PARENT_PID COUNTERS_FD POLICY... BACKEND [ARGUMENTS...]</c>:
/// FD the socketpair end, COUNTERS_FD the root-only counters directory (both inherited), POLICY the
/// words of <see cref="WorkerPolicy.ToArguments"/>, BACKEND a name in <see cref="FirewallBackends"/>
/// and ARGUMENTS what that backend's WorkerArguments gave (nft: FAMILY TABLE SET).
/// Exit codes: 0 after a clean shutdown, 1 when start-up or a reset failed, 2 for bad arguments.
/// </remarks>
internal static class WorkerMain
{
    /// <summary>How the worker names its counters directory in messages (it never uses a path).</summary>
    private const string CountersName = "the counters directory";

    public static int Run(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var upkeep = new FirewallUpkeep(TimeProvider.System, Log);
        if (!TryParseArguments(args, upkeep.Recreated, out var fd, out var parent, out var countersFd, out var policy, out var backend, out var firewall))
        {
            Log($"usage: FD PARENT_PID COUNTERS_FD --delay N --window N --max-openings N --max-rate N --log-prefix PREFIX --profile NAME KNOCK_PORT PORTS... BACKEND [ARGUMENTS] (BACKEND: {string.Join(", ", FirewallBackends.All.Select(b => b.Name))})");
            return 2;
        }
        using (firewall)
        {
            // First thing: die with the daemon. Then close the race where it died before the prctl.
            Interop.SetParentDeathSignal(LibC.SIGTERM);
            if (Interop.GetParentProcessId() != parent)
            {
                Log("parent is gone");
                return 1;
            }
            using var socket = new FileDescriptorHandle(fd);
            using var countersDirectory = new FileDescriptorHandle(countersFd);
            // The firewall tools it may run (iptables repairs, LOG-rule listings) must not inherit the request channel or the counters.
            Interop.SetCloseOnExec(socket, closeOnExec: true);
            Interop.SetCloseOnExec(countersDirectory, closeOnExec: true);
            var counters = new Dictionary<string, CounterFile>(StringComparer.Ordinal);
            try
            {
                foreach (var name in policy.Profiles.Keys)
                {
                    counters[name] = CounterFile.TryOpen(countersDirectory, CountersName, name, out var counter)
                        ? counter
                        : throw KnockKnockException.Usage($"no counter for profile {name} in {CountersName}");
                }
                return Serve(new Worker(socket, policy, backend, firewall, upkeep), counters);
            }
            catch (Exception e) when (e is KnockKnockException or IOException)
            {
                Log($"cannot read the counters: {e.Message}");
                return 1;
            }
            finally
            {
                foreach (var counter in counters.Values)
                {
                    counter.Dispose();
                }
            }
        }
    }

    /// <summary>What the serve loop works with.</summary>
    private sealed record Worker(FileDescriptorHandle Socket, WorkerPolicy Policy, IFirewallBackend Backend, IFirewallOpenings Firewall, FirewallUpkeep Upkeep);

    private static int Serve(Worker worker, Dictionary<string, CounterFile> counters)
    {
        var openings = new ActiveOpenings(worker.Firewall, TimeProvider.System);
        var notes = new List<string>();
        try
        {
            openings.Prepare(notes);
        }
        catch (InvalidOperationException e)
        {
            Log($"cannot set up the firewall: {e.Message}");
            return 1;
        }
        notes.ForEach(Log);
        // libnftables and libipset open their netlink sockets without close-on-exec: the tools the
        // worker may run (iptables repairs, LOG-rule listings) must not inherit them. This covers
        // the sockets open now; the tools start with no descriptor above 2 at all (FirewallTool),
        // which covers a context made later (after an idle release) too.
        Interop.SetCloseOnExecFrom(3);
        void EndOfStream(PosixSignalContext context)
        {
            context.Cancel = true;
            Interop.Shutdown(worker.Socket);
        }
        var gate = new OpeningGate(worker.Policy, counters, openings, new RateLimiter(worker.Policy.MaxRatePerSecond, TimeProvider.System), TimeProvider.System, Log);
        // SIGTERM (or the parent's death) ends the read loop below like end of stream does; so do
        // SIGINT and SIGHUP, whose default would end the worker at once and leave its openings: the
        // kernel sends SIGHUP (with SIGCONT) to the worker's own process group if it was stopped
        // when the daemon went, and nothing else should send either.
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, EndOfStream);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, EndOfStream);
        using var hangUp = PosixSignalRegistration.Create(PosixSignal.SIGHUP, EndOfStream);
        if (Answer(worker, gate, openings))
        {
            openings.Detach();
            return 0;
        }
        try
        {
            openings.Reset();
        }
        catch (InvalidOperationException e)
        {
            Log($"cannot remove openings: {e.Message}");
            return 1;
        }
        return 0;
    }

    /// <summary>
    /// Answers requests until end of stream (false) or a detach that was answered (true); checks the
    /// firewall in between. After requests, the first check that ends a whole interval without one
    /// gives back what they (and the checks among them) left (<see cref="ReleaseMemory"/>), so a
    /// burst of knocks leaves the worker near its idle size rather than at its peak; an idle worker
    /// does not repeat it.
    /// </summary>
    private static bool Answer(Worker worker, OpeningGate gate, ActiveOpenings openings)
    {
        var buffer = new byte[WorkerRequest.MaxLength + 1];
        var answeredSinceCheck = false;
        var answeredSinceRelease = false;
        while (true)
        {
            if (worker.Upkeep.CheckIfDue(worker.Firewall))
            {
                if (answeredSinceRelease && !answeredSinceCheck)
                {
                    ReleaseMemory(openings);
                    answeredSinceRelease = false;
                }
                answeredSinceCheck = false;
            }
            // 0: the check is due (or a signal came); the loop comes round to it.
            if (Interop.Poll(worker.Socket, LibC.POLLIN, worker.Upkeep.MillisecondsUntilCheck(), "the daemon's socket") == 0)
            {
                continue;
            }
            answeredSinceCheck = answeredSinceRelease = true;
            var length = Interop.ReceiveMessage(worker.Socket, buffer);
            // A zero-length message also reads as 0; only a hang-up ends the loop.
            if (length == 0 && (Interop.Poll(worker.Socket, 0, 0, "the daemon's socket") & LibC.POLLHUP) != 0)
            {
                return false;
            }
            var detach = false;
            string reply;
            if (length > WorkerRequest.MaxLength)
            {
                reply = "refused too long";
            }
            else if (!WorkerRequest.TryParse(buffer.AsSpan(0, length), out var request, out var error))
            {
                reply = "refused " + error;
            }
            else
            {
                detach = request.Kind == WorkerRequestKind.Detach;
                reply = request.Kind switch
                {
                    WorkerRequestKind.Open => gate.Handle(request),
                    WorkerRequestKind.Flush => Flush(openings),
                    WorkerRequestKind.Check => worker.Upkeep.Answer(worker.Backend, worker.Policy),
                    _ => "ok",
                };
            }
            try
            {
                Interop.SendMessage(worker.Socket, Encoding.ASCII.GetBytes(OneLine(reply)));
            }
            catch (IOException)
            {
                return false; // the daemon went away between request and reply: remove everything
            }
            if (detach)
            {
                return true;
            }
        }
    }

    /// <summary>
    /// Gives back the memory a burst of requests left: the expired openings' entries, then
    /// <see cref="HeapRelease"/> (measured 2 s after 10,000 openings: 12.7 MB of glibc heap, 0.7 MB
    /// once trimmed). On the worker's thread while it is idle.
    /// </summary>
    private static void ReleaseMemory(ActiveOpenings openings)
    {
        openings.Compact();
        HeapRelease.Run();
    }

    private static string Flush(ActiveOpenings openings)
    {
        try
        {
            openings.Reset();
            return "ok";
        }
        catch (InvalidOperationException e)
        {
            return "failed " + e.Message;
        }
    }

    private static bool TryParseArguments(string[] args, Action<string> recreated, out int fd, out int parent, out int countersFd,
        out WorkerPolicy policy, out IFirewallBackend backend, out IFirewallOpenings firewall)
    {
        (fd, parent, countersFd, policy, backend, firewall) = (0, 0, 0, null!, null!, null!);
        if (args.Length < 4
            || !int.TryParse(args[0], NumberStyles.None, CultureInfo.InvariantCulture, out fd) || fd < 3
            || !int.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out parent) || parent < 1
            || !int.TryParse(args[2], NumberStyles.None, CultureInfo.InvariantCulture, out countersFd) || countersFd < 3 || countersFd == fd)
        {
            return false;
        }
        var used = WorkerPolicy.TryParse(args[3..], out policy);
        if (used <= 0 || 3 + used >= args.Length || FirewallBackends.Find(args[3 + used]) is not { } found)
        {
            return false;
        }
        backend = found;
        return backend.TryCreateOpenings(args[(4 + used)..], recreated, out firewall);
    }

    /// <summary>
    /// One line to stderr, a pipe the daemon relays to its log: one write(2) of under PIPE_BUF
    /// bytes, so lines never interleave; dropped when nobody reads the pipe any more.
    /// </summary>
    /// <summary>What begins each line the worker writes (to stderr, which the daemon logs).</summary>
    public const string LinePrefix = "knockknock worker: ";

    private static void Log(string line) => _ = Interop.Write(2, Encoding.ASCII.GetBytes($"{LinePrefix}{OneLine(line, 1000)}\n"));

    /// <summary>Printable ASCII only, at most <paramref name="length"/> characters (a reply: 200, within the daemon's 256-byte buffer).</summary>
    private static string OneLine(string text, int length = 200)
        => new([.. text.Take(length).Select(c => c is < ' ' or > '~' ? ' ' : c)]);
}
