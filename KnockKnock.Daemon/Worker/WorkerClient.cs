using System.Diagnostics;
using System.Globalization;
using System.Text;
using KnockKnock.Daemon.Firewall;
using Tmds.Linux;

namespace KnockKnock.Daemon.Worker;

/// <summary>
/// The daemon's side of the root worker: starts it (before privileges are dropped) as a fresh
/// process of knockknock-worker (<see cref="WorkerProgram"/>), then asks it to open ports.
/// </summary>
/// <remarks>
/// Who can talk to the worker: only the holders of the two ends of an anonymous socketpair (no
/// path, no abstract name). Both ends are created close-on-exec; FD_CLOEXEC is cleared on the
/// worker's end alone, just for the one Process.Start, and the daemon closes its copy right
/// after, so no later child inherits it. Call <see cref="Start"/> once at start-up, before other
/// threads start processes, and from a thread that lives as long as the daemon (the main thread):
/// the worker's PR_SET_PDEATHSIG fires when the thread that started it exits. The worker sets
/// FD_CLOEXEC on its end at once, so the firewall tools it may run do not inherit it either.
/// </remarks>
internal sealed class WorkerClient : IDisposable
{
    private static readonly TimeSpan s_replyTimeout = TimeSpan.FromSeconds(60);
    private readonly FileDescriptorHandle _socket;
    private readonly Process _process;
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private WorkerClient(FileDescriptorHandle socket, Process process)
    {
        (_socket, _process) = (socket, process);
        _process.EnableRaisingEvents = true;
        _process.Exited += (_, _) => _exited.TrySetResult(_process.ExitCode);
        if (_process.HasExited)
        {
            _exited.TrySetResult(_process.ExitCode);
        }
    }

    /// <summary>The worker's process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>Completes with the worker's exit code when it exits, for whatever reason; the daemon then exits non-zero.</summary>
    public Task<int> Exited => _exited.Task;

    /// <summary>
    /// Starts the worker: <paramref name="executable"/>, the knockknock-worker file the caller
    /// checked; <paramref name="launcher"/> is an argv prefix that must exec it in place (tests use
    /// <c>ip netns exec NAME</c>).
    /// </summary>
    /// <param name="onMessage">Receives each line the worker writes to stderr (its start-up failures); the
    /// worker never inherits the daemon's stdio, which may be a terminal or the background launcher's pipe.</param>
    /// <param name="counters">The root-only counters directory; the worker gets its own copy of the descriptor.</param>
    public static WorkerClient Start(IFirewallBackend backend, FirewallSettings settings, WorkerPolicy policy, FileDescriptorHandle counters,
        string executable, IReadOnlyList<string>? launcher = null, Action<string>? onMessage = null)
    {
        var (mine, theirs) = Interop.SocketPairSeqPacket();
        try
        {
            string[] argv = [.. launcher ?? [], executable, theirs.Fd.ToString(CultureInfo.InvariantCulture),
                Environment.ProcessId.ToString(CultureInfo.InvariantCulture), counters.Fd.ToString(CultureInfo.InvariantCulture),
                .. policy.ToArguments(), backend.Name, .. backend.WorkerArguments(settings)];
            var info = new ProcessStartInfo(argv[0])
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            // A JIT build would otherwise open the .NET diagnostics socket (dumps, traces) in a
            // root process; NativeAOT builds have none. Invariant 2: no listening socket.
            info.Environment["DOTNET_EnableDiagnostics"] = "0";
            // A gen0 budget of 256 KiB (hex): the worker allocates a little per request and would
            // otherwise grow by megabytes (the default budget follows the CPU cache) before its first collection.
            info.Environment["DOTNET_GCgen0size"] = "40000";
            foreach (var arg in argv.AsSpan(1))
            {
                info.ArgumentList.Add(arg);
            }
            Interop.SetCloseOnExec(theirs, closeOnExec: false);
            Interop.SetCloseOnExec(counters, closeOnExec: false);
            Process process;
            try
            {
                process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {argv[0]}");
            }
            finally
            {
                theirs.Dispose();
                Interop.SetCloseOnExec(counters, closeOnExec: true);
            }
            process.StandardInput.Close();
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, line) =>
            {
                if (line.Data is { Length: > 0 } text)
                {
                    onMessage?.Invoke(text);
                }
            };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return new WorkerClient(mine, process);
        }
        catch
        {
            mine.Dispose();
            theirs.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Asks for an opening for the knock of <paramref name="profile"/> that used <paramref name="counter"/>:
    /// new TCP connections from <paramref name="source"/> to <paramref name="port"/> for
    /// <paramref name="seconds"/>. Returns what the worker did, with its reason when it did not open;
    /// throws when the worker is gone.
    /// </summary>
    public OpenOutcome TryOpen(string profile, ulong counter, HostAddress source, ushort port, int seconds, out string reason)
    {
        var reply = Exchange(WorkerRequest.Open(profile, counter, source, port, seconds).Encode());
        var space = reply.IndexOf(' ', StringComparison.Ordinal);
        reason = space < 0 ? "" : reply[(space + 1)..];
        return (space < 0 ? reply : reply[..space]) switch
        {
            "ok" => OpenOutcome.Opened,
            "refused" => OpenOutcome.Refused,
            "failed" => OpenOutcome.Failed,
            _ => throw new IOException($"the worker answered '{reply}'"),
        };
    }

    /// <summary>Removes every opening; throws if the worker could not.</summary>
    public void Flush()
    {
        if (!TryExchange(WorkerRequest.Flush.Encode(), out var error))
        {
            throw new InvalidOperationException("worker flush failed: " + error);
        }
    }

    /// <summary>How the firewall under the worker fares (<see cref="WorkerCheck"/>); throws when the worker is gone or answers anything else.</summary>
    public WorkerCheck Check()
    {
        var reply = Exchange(WorkerRequest.Check.Encode());
        return WorkerCheck.TryParse(reply, out var check) ? check : throw new IOException($"the worker answered '{reply}' to check");
    }

    /// <summary>
    /// Asks the worker to exit 0 keeping every opening (the kernel expires them), for a reload by
    /// restart; waits for the exit (up to 30 s) and returns its exit code. Throws if the worker
    /// refused or is gone; then <see cref="Dispose"/> still stops it the usual way (removing the openings).
    /// </summary>
    public int Detach()
    {
        if (!TryExchange(WorkerRequest.Detach.Encode(), out var error))
        {
            throw new InvalidOperationException("worker detach failed: " + error);
        }
        if (!_process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            throw new InvalidOperationException("the worker did not exit after detach");
        }
        return _process.ExitCode;
    }

    /// <summary>Sends any bytes and returns the raw reply; for tests of the worker's validation.</summary>
    internal string Exchange(ReadOnlySpan<byte> message)
    {
        lock (_gate)
        {
            var reply = new byte[256];
            int length;
            try
            {
                Interop.SendMessage(_socket, message);
                if (!WaitReadable(_socket, s_replyTimeout))
                {
                    throw new TimeoutException("the worker did not answer");
                }
                length = Interop.ReceiveMessage(_socket, reply);
            }
            catch (IOException e)
            {
                throw new IOException("the worker has exited", e);
            }
            return length == 0 ? throw new IOException("the worker has exited")
                : Encoding.ASCII.GetString(reply, 0, Math.Min(length, reply.Length));
        }
    }

    /// <summary>Waits for the worker's reply (or its hang-up) up to <paramref name="timeout"/>; a signal does not shorten the wait.</summary>
    private static bool WaitReadable(FileDescriptorHandle socket, TimeSpan timeout)
    {
        var deadline = Environment.TickCount64 + checked((long)timeout.TotalMilliseconds);
        while (true)
        {
            var left = deadline - Environment.TickCount64;
            if (left <= 0)
            {
                return false;
            }
            if (Interop.Poll(socket, LibC.POLLIN, checked((int)left), "the worker's socket") != 0)
            {
                return true;
            }
        }
    }

    private bool TryExchange(byte[] request, out string error)
    {
        var reply = Exchange(request);
        var space = reply.IndexOf(' ', StringComparison.Ordinal);
        error = reply == "ok" ? "" : space < 0 ? "unexpected reply" : reply[(space + 1)..];
        return reply == "ok";
    }

    /// <summary>Closes the channel: the worker removes every opening and exits; waits for that (up to 30 s).</summary>
    public void Dispose()
    {
        _socket.Dispose();
        _ = _process.WaitForExit(TimeSpan.FromSeconds(30));
        _process.Dispose();
    }
}
