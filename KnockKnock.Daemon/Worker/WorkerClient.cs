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
/// path, no abstract name). Both ends are created close-on-exec; posix_spawn's file actions put
/// the worker's end and the counters directory at the worker's descriptors 3 and 4 and close every
/// other one above 2 there, so the worker inherits nothing else this process holds, and no other
/// child ever gets them. The daemon closes its copy of the worker's end right after. The worker's
/// PR_SET_PDEATHSIG (SIGTERM when the thread that started it exits) reaches it only while the
/// daemon is still root, the kernel checking permission; after the drop, the daemon's end of the
/// socket closing with it is what stops the worker (end of stream: it removes its openings and
/// exits). So call <see cref="Start"/> from the main thread. A thread of this class relays the
/// worker's stderr lines and reaps it.
/// </remarks>
internal sealed class WorkerClient : IDisposable
{
    private static readonly TimeSpan s_replyTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan s_exitTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The worker's whole environment, whatever the daemon's: the fixed PATH and locale its tools
    /// also get (<see cref="FirewallTool"/>), and the runtime's diagnostics off (no listening socket
    /// in a root process, whatever the build). Nothing of the environment root started the daemon
    /// with reaches the process that stays root: no DOTNET_ setting there can change its GC (its gen0
    /// budget is built into its image, and the environment would win over that) or anything else.
    /// </summary>
    private static readonly string[] s_workerEnvironment = ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", "DOTNET_EnableDiagnostics=0"];

    private readonly FileDescriptorHandle _socket;
    private readonly FileDescriptorHandle _pidfd;
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Action<string>? _onMessage;
    private readonly Lock _heldGate = new();

    /// <summary>The worker's lines until it is ready (null after; <see cref="WaitUntilReady"/>).</summary>
    private List<string>? _held = [];

    private WorkerClient(FileDescriptorHandle socket, int processId, FileDescriptorHandle pidfd, FileDescriptorHandle errors, Action<string>? onMessage)
    {
        (_socket, ProcessId, _pidfd, _onMessage) = (socket, processId, pidfd, onMessage);
        // One thread relays the worker's stderr lines until the pipe ends, which is when the worker
        // exits (only it holds the write end: its tools get pipes of their own), then reaps it.
        new Thread(() =>
        {
            using (errors)
            {
                foreach (var line in PipeLines.Read(errors))
                {
                    try
                    {
                        if (line.Length > 0 && !Hold(line))
                        {
                            onMessage?.Invoke(line);
                        }
                    }
                    catch (Exception e) when (e is IOException or ObjectDisposedException)
                    {
                        // The log could not take it (a full disk under --foreground 2>>file): the
                        // line is lost, but this thread must go on to reap the worker.
                    }
                }
            }
            try
            {
                _exited.TrySetResult(Interop.WaitForExit(processId));
            }
            catch (ErrnoException)
            {
                // ECHILD: something else reaped it (Main restores SIGCHLD, so not the kernel);
                // -1 stands for the lost exit status.
                _exited.TrySetResult(-1);
            }
        }) { IsBackground = true, Name = "worker" }.Start();
    }

    /// <summary>The worker's process id.</summary>
    public int ProcessId { get; }

    /// <summary>Completes with the worker's exit code (-1 when it is lost) when it exits, for whatever reason; the daemon then exits non-zero.</summary>
    public Task<int> Exited => _exited.Task;

    /// <summary>
    /// Starts the worker: <paramref name="executable"/>, the knockknock-worker file the caller
    /// checked; <paramref name="launcher"/> is an argv prefix, its first word an absolute path,
    /// that must exec it in place (tests use <c>/bin/ip netns exec NAME</c>). It leads a process
    /// group of its own, so what a terminal sends to a <c>--foreground</c> daemon's group reaches
    /// the daemon only, which then deals with its worker: Ctrl-C stops both in order (the worker
    /// removes the openings), a hang-up reloads by exit (the worker detaches, keeping them).
    /// </summary>
    /// <param name="onMessage">Receives each line the worker writes to stderr (its start-up failures); the
    /// worker never inherits the daemon's stdio, which may be a terminal or the background launcher's pipe.</param>
    /// <param name="counters">The root-only counters directory; the worker gets its own copy of the descriptor.</param>
    /// <remarks>
    /// Returns once the worker answered a first check, which it does only after it has set up the
    /// firewall (<see cref="WorkerMain"/>): until then the daemon neither drops its privileges nor
    /// calls itself started, nor tells its background launcher so. The lines the worker writes
    /// meanwhile (what it set up) are held and passed on then. When it exits instead, answers
    /// anything else, or does not answer within the reply time-out (it is killed then), this
    /// throws: the reason is the worker's own last line when it exited with one, and the lines
    /// before are passed on.
    /// </remarks>
    public static WorkerClient Start(IFirewallBackend backend, FirewallSettings settings, WorkerPolicy policy, FileDescriptorHandle counters,
        string executable, IReadOnlyList<string>? launcher = null, Action<string>? onMessage = null)
    {
        var (mine, theirs) = Interop.SocketPairSeqPacket();
        FileDescriptorHandle? errorsRead = null;
        WorkerClient client;
        try
        {
            // The socket end and the counters directory are the worker's descriptors 3 and 4.
            string[] argv = [.. launcher ?? [], executable, "3", Environment.ProcessId.ToString(CultureInfo.InvariantCulture), "4",
                .. policy.ToArguments(), backend.Name, .. backend.WorkerArguments(settings)];
            var (read, write) = Interop.Pipe();
            errorsRead = read;
            int pid;
            using (write)
            {
                pid = Interop.Spawn(argv[0], argv, nullStandardStreams: true, passed: [theirs, counters], s_workerEnvironment, errors: write, ownProcessGroup: true);
            }
            theirs.Dispose();
            // Before anything can reap it (only this client's thread does): the descriptor names
            // this worker, and no process that later gets its pid.
            if (!Interop.TryPidfdOpen(pid, out var pidfd, out var errno))
            {
                throw Interop.Error("pidfd_open", "the firewall worker", errno);
            }
            client = new WorkerClient(mine, pid, pidfd, read, onMessage);
        }
        catch
        {
            mine.Dispose();
            theirs.Dispose();
            errorsRead?.Dispose();
            throw;
        }
        try
        {
            client.WaitUntilReady();
        }
        catch
        {
            client.Dispose();
            throw;
        }
        return client;
    }

    /// <summary>The wait of <see cref="Start"/>'s remarks.</summary>
    private void WaitUntilReady()
    {
        string failure;
        var exitedByItself = false;
        try
        {
            var reply = Exchange(WorkerRequest.Check.Encode());
            failure = $"it answered '{reply}' to its first check";
            lock (_heldGate)
            {
                if (WorkerCheck.TryParse(reply, out _))
                {
                    // Under the lock: a line the relay reads meanwhile waits, so the lines keep their order.
                    _held!.ForEach(line => _onMessage?.Invoke(line));
                    _held = null;
                    return;
                }
            }
        }
        catch (IOException)
        {
            failure = "it exited";
            exitedByItself = true;
        }
        catch (TimeoutException)
        {
            failure = $"it did not answer within {s_replyTimeout.TotalSeconds} s";
        }
        // Its lines are complete once it has exited (its stderr ends then): it must not linger.
        try
        {
            Interop.PidfdSendSignal(_pidfd, LibC.SIGKILL, "the firewall worker");
        }
        catch (ErrnoException e) when (e.Errno == LibC.ESRCH)
        {
            // exited and reaped already
        }
        int? code = _exited.Task.Wait(s_exitTimeout) ? _exited.Task.Result : null;
        List<string> held;
        lock (_heldGate)
        {
            (held, _held) = (_held!, null);
        }
        // Its last line is the reason only when it ended itself: after the kill, it is a note at best.
        var reason = exitedByItself && code > 0 && held.Count > 0 && held[^1].StartsWith(WorkerMain.LinePrefix, StringComparison.Ordinal) ? held[^1] : null;
        foreach (var line in reason is null ? held : held[..^1])
        {
            _onMessage?.Invoke(line);
        }
        throw KnockKnockException.Failure(reason ?? $"the firewall worker (pid {ProcessId}) did not start: {failure}{(code is { } c ? $", exit code {c}" : "")}");
    }

    /// <summary>Keeps <paramref name="line"/> while the worker is not ready yet.</summary>
    private bool Hold(string line)
    {
        lock (_heldGate)
        {
            _held?.Add(line);
            return _held is not null;
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
        if (!_exited.Task.Wait(s_exitTimeout))
        {
            throw new InvalidOperationException("the worker did not exit after detach");
        }
        return _exited.Task.Result;
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
        _ = _exited.Task.Wait(s_exitTimeout);
        _pidfd.Dispose();
    }
}
