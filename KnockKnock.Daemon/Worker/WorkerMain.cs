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
/// (<see cref="OpeningGate"/>), stores the knock's counter durably, runs a fixed firewall argv,
/// answers, and closes each opening when its delay ends. At start it keeps the openings an earlier
/// worker left that are still valid and removes the expired ones. On end of stream or SIGTERM it
/// removes every opening and exits 0; on <c>detach</c> it answers <c>ok</c> and exits 0 keeping them
/// (the kernel expires them: nft element timeouts, iptables --datestop). No crypto, no profiles, no
/// log parsing here (a test checks), and no path: the counters directory comes as a descriptor.
/// </summary>
/// <remarks>
/// Arguments after the mode: <c>FD PARENT_PID COUNTERS_FD POLICY... BACKEND [ARGUMENTS...]</c>:
/// FD the socketpair end, COUNTERS_FD the root-only counters directory (both inherited), POLICY the
/// words of <see cref="WorkerPolicy.ToArguments"/>, BACKEND a name in <see cref="FirewallBackends"/>
/// and ARGUMENTS what that backend's WorkerArguments gave (nft: FAMILY TABLE SET).
/// Exit codes: 0 after a clean shutdown, 1 when start-up or a reset failed, 2 for bad arguments.
/// </remarks>
internal static class WorkerMain
{
    public const string Mode = "--worker-mode";

    /// <summary>How the worker names its counters directory in messages (it never uses a path).</summary>
    private const string CountersName = "the counters directory";

    public static int Run(string[] args) => Run(args, FirewallTool.TryRun);

    internal static int Run(string[] args, ToolRunner runner)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (!TryParseArguments(args, runner, out var fd, out var parent, out var countersFd, out var policy, out var firewall))
        {
            Console.Error.WriteLine($"knockknock worker: usage: FD PARENT_PID COUNTERS_FD --delay N --window N --max-openings N --max-rate N --profile NAME KNOCK_PORT PORTS... BACKEND [ARGUMENTS] (BACKEND: {string.Join(", ", FirewallBackends.All.Select(b => b.Name))})");
            return 2;
        }
        // First thing: die with the daemon. Then close the race where it died before the prctl.
        Interop.SetParentDeathSignal(LibC.SIGTERM);
        if (Interop.GetParentProcessId() != parent)
        {
            Console.Error.WriteLine("knockknock worker: parent is gone");
            return 1;
        }
        using var socket = new FileDescriptorHandle(fd);
        using var countersDirectory = new FileDescriptorHandle(countersFd);
        // The firewall tools must not inherit the request channel or the counters.
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
            return Serve(socket, policy, counters, firewall);
        }
        catch (Exception e) when (e is KnockKnockException or IOException)
        {
            Console.Error.WriteLine($"knockknock worker: cannot read the counters: {OneLine(e.Message)}");
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

    private static int Serve(FileDescriptorHandle socket, WorkerPolicy policy, Dictionary<string, CounterFile> counters, IFirewallOpenings firewall)
    {
        var openings = new ActiveOpenings(firewall);
        var notes = new List<string>();
        try
        {
            openings.Resume(notes);
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine($"knockknock worker: cannot set up the firewall or remove expired leftovers: {e.Message}");
            return 1;
        }
        foreach (var note in notes)
        {
            Console.Error.WriteLine($"knockknock worker: {OneLine(note)}");
        }
        var gate = new OpeningGate(policy, counters, openings, new RateLimiter(policy.MaxRatePerSecond, TimeProvider.System), TimeProvider.System,
            line => Console.Error.WriteLine($"knockknock worker: {line}"));
        // SIGTERM (or the parent's death) ends the read loop below like end of stream does.
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            Interop.Shutdown(socket);
        });
        if (Answer(socket, gate, openings))
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
            Console.Error.WriteLine($"knockknock worker: cannot remove openings: {e.Message}");
            return 1;
        }
        return 0;
    }

    /// <summary>Answers requests until end of stream (false) or a detach that was answered (true).</summary>
    private static bool Answer(FileDescriptorHandle socket, OpeningGate gate, ActiveOpenings openings)
    {
        var buffer = new byte[WorkerRequest.MaxLength + 1];
        while (true)
        {
            var length = Interop.ReceiveMessage(socket, buffer);
            // A zero-length message also reads as 0; only a hang-up ends the loop.
            if (length == 0 && (Interop.Poll(socket, 0, 0, "the daemon's socket") & LibC.POLLHUP) != 0)
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
                    _ => "ok",
                };
            }
            try
            {
                Interop.SendMessage(socket, Encoding.ASCII.GetBytes(OneLine(reply)));
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

    private static bool TryParseArguments(string[] args, ToolRunner runner, out int fd, out int parent, out int countersFd, out WorkerPolicy policy, out IFirewallOpenings firewall)
    {
        (fd, parent, countersFd, policy, firewall) = (0, 0, 0, null!, null!);
        if (args.Length < 4
            || !int.TryParse(args[0], NumberStyles.None, CultureInfo.InvariantCulture, out fd) || fd < 3
            || !int.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out parent) || parent < 1
            || !int.TryParse(args[2], NumberStyles.None, CultureInfo.InvariantCulture, out countersFd) || countersFd < 3 || countersFd == fd)
        {
            return false;
        }
        var used = WorkerPolicy.TryParse(args[3..], out policy);
        return used > 0 && 3 + used < args.Length
            && FirewallBackends.Find(args[3 + used]) is { } backend
            && backend.TryCreateOpenings(args[(4 + used)..], runner, out firewall);
    }

    private static string OneLine(string text)
        => new([.. text.Take(200).Select(c => c is < ' ' or > '~' ? ' ' : c)]);
}
