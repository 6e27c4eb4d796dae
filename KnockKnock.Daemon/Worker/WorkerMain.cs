using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using KnockKnock.Daemon.Firewall;
using Tmds.Linux;

namespace KnockKnock.Daemon.Worker;

/// <summary>
/// The root worker: the only process that keeps root after start-up, so it does one job. It reads
/// requests from its end of a socketpair (an inherited descriptor; see <see cref="WorkerClient"/>),
/// validates each one again, runs a fixed firewall argv, answers <c>ok</c> or <c>error TEXT</c>,
/// and closes each opening when its delay ends. At start it keeps the openings an earlier worker
/// left that are still valid and removes the expired ones. On end of stream or SIGTERM it removes
/// every opening and exits 0; on <c>detach</c> it answers <c>ok</c> and exits 0 keeping them (the
/// kernel expires them: nft element timeouts, iptables --datestop). No crypto, no profiles, no log parsing here (a test checks).
/// </summary>
/// <remarks>
/// Arguments after the mode: <c>FD PARENT_PID BACKEND [ARGUMENTS...]</c>, BACKEND a name in
/// <see cref="FirewallBackends"/> and ARGUMENTS what that backend's WorkerArguments gave (nft: FAMILY TABLE SET).
/// Exit codes: 0 after a clean shutdown, 1 when start-up or a reset failed, 2 for bad arguments.
/// </remarks>
internal static class WorkerMain
{
    public const string Mode = "--worker-mode";

    public static int Run(string[] args) => Run(args, FirewallTool.TryRun);

    internal static int Run(string[] args, ToolRunner runner)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (!TryParseArguments(args, runner, out var fd, out var parent, out var firewall))
        {
            Console.Error.WriteLine($"knockknock worker: usage: FD PARENT_PID BACKEND [ARGUMENTS] (BACKEND: {string.Join(", ", FirewallBackends.All.Select(b => b.Name))})");
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
        // The firewall tools must not inherit the request channel.
        Interop.SetCloseOnExec(socket, closeOnExec: true);
        var worker = new ActiveOpenings(firewall);
        var notes = new List<string>();
        try
        {
            worker.Resume(notes);
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
        // SIGTERM (or the parent's death) ends the read loop below like end of stream does.
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            Interop.Shutdown(socket);
        });
        if (Serve(socket, worker))
        {
            worker.Detach();
            return 0;
        }
        try
        {
            worker.Reset();
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine($"knockknock worker: cannot remove openings: {e.Message}");
            return 1;
        }
        return 0;
    }

    /// <summary>Answers requests until end of stream (false) or a detach that was answered (true).</summary>
    private static bool Serve(FileDescriptorHandle socket, ActiveOpenings worker)
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
            var reply = length > WorkerRequest.MaxLength ? "error too long"
                : !WorkerRequest.TryParse(buffer.AsSpan(0, length), out var request, out var error) ? "error " + error
                : (detach = request.Kind == WorkerRequestKind.Detach) ? "ok"
                : worker.TryHandle(request, out error) ? "ok" : "error " + OneLine(error);
            try
            {
                Interop.SendMessage(socket, Encoding.ASCII.GetBytes(reply));
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

    private static bool TryParseArguments(string[] args, ToolRunner runner, out int fd, out int parent, out IFirewallOpenings firewall)
    {
        (fd, parent, firewall) = (0, 0, null!);
        return args.Length >= 3
            && int.TryParse(args[0], NumberStyles.None, CultureInfo.InvariantCulture, out fd) && fd >= 3
            && int.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out parent) && parent >= 1
            && FirewallBackends.Find(args[2]) is { } backend
            && backend.TryCreateOpenings(args[3..], runner, out firewall);
    }

    private static string OneLine(string text)
        => new([.. text.Take(200).Select(c => c is < ' ' or > '~' ? ' ' : c)]);
}
