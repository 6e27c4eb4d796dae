using System.Diagnostics;
using System.Globalization;
using Tmds.Linux;

namespace KnockKnock.Tests.Support;

/// <summary>One line the daemon wrote to stderr, with the Stopwatch timestamp at which the test read it.</summary>
internal sealed record DaemonLine(string Text, long Timestamp, int Index);

/// <summary>
/// A real <c>knockknock-daemon --foreground</c> started inside a namespace (<c>ip netns exec</c> execs
/// in place, so the PID is the daemon's). Collects stderr lines thread-safely with the time they
/// arrived; finds the root worker (a child running knockknock-worker). Dispose kills
/// what is left, by PID only.
/// </summary>
internal sealed class DaemonProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<DaemonLine> _lines = [];
    private readonly object _lock = new(); // Monitor.Wait/PulseAll need a plain object, not System.Threading.Lock
    private bool _stderrClosed;
    private int _workerPid;
    private bool _disposed;

    private DaemonProcess(Process process)
    {
        _process = process;
        _process.ErrorDataReceived += (_, e) =>
        {
            lock (_lock)
            {
                if (e.Data is null)
                {
                    _stderrClosed = true;
                }
                else
                {
                    _lines.Add(new DaemonLine(e.Data, Stopwatch.GetTimestamp(), _lines.Count));
                }
                Monitor.PulseAll(_lock);
            }
        };
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_lock)
                {
                    _lines.Add(new DaemonLine("stdout: " + e.Data, Stopwatch.GetTimestamp(), _lines.Count));
                    Monitor.PulseAll(_lock);
                }
            }
        };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
    }

    /// <summary>
    /// Starts the daemon in <paramref name="ns"/> with <paramref name="args"/> (no waiting), through
    /// <paramref name="launcher"/> when given: an argv prefix that execs in place, such as
    /// <see cref="JournaldHarness.Enter"/> (nsenter into the journal's mount namespace).
    /// </summary>
    public static DaemonProcess Start(NetworkNamespace ns, IEnumerable<string> args, IReadOnlyList<string>? launcher = null)
        => new(launcher is null
            ? ns.Start(Binaries.Daemon, args, s_deployedEnvironment)
            : Command.Start(launcher[0], [.. launcher.Skip(1), "ip", "netns", "exec", ns.Name, Binaries.Daemon, .. args], s_deployedEnvironment));

    /// <summary>
    /// The daemon as deployed: the installed NativeAOT build has no .NET diagnostics server; a JIT
    /// build (tests run without KNOCKKNOCK_BIN_DIR) gets the setting the systemd unit also sets.
    /// </summary>
    private static readonly Dictionary<string, string> s_deployedEnvironment = new() { ["DOTNET_EnableDiagnostics"] = "0" };

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Number of lines so far: pass it as <c>from</c> to wait only for later lines.</summary>
    public int LineCount
    {
        get
        {
            lock (_lock)
            {
                return _lines.Count;
            }
        }
    }

    /// <summary>Every line so far, for assertion messages.</summary>
    public string Output
    {
        get
        {
            lock (_lock)
            {
                return string.Join('\n', _lines.Select(l => l.Text));
            }
        }
    }

    /// <summary>The lines (from index <paramref name="from"/>) that contain <paramref name="substring"/>.</summary>
    public IReadOnlyList<DaemonLine> Lines(string substring, int from = 0)
    {
        lock (_lock)
        {
            return _lines.Skip(from).Where(l => l.Text.Contains(substring, StringComparison.Ordinal)).ToList();
        }
    }

    /// <summary>The first line at index <paramref name="from"/> or later holding <paramref name="substring"/>; null after the timeout or when stderr closed.</summary>
    public DaemonLine? WaitForLine(string substring, TimeSpan timeout, int from = 0)
    {
        var clock = Stopwatch.StartNew();
        lock (_lock)
        {
            while (true)
            {
                for (var i = from; i < _lines.Count; i++)
                {
                    if (_lines[i].Text.Contains(substring, StringComparison.Ordinal))
                    {
                        return _lines[i];
                    }
                }
                from = Math.Max(from, _lines.Count);
                var left = timeout - clock.Elapsed;
                if (left <= TimeSpan.Zero || _stderrClosed)
                {
                    return null;
                }
                Monitor.Wait(_lock, left);
            }
        }
    }

    /// <summary>Waits for the "started:" line; fails the test with the output if it does not come.</summary>
    public void WaitUntilStarted(TimeSpan? timeout = null)
    {
        if (WaitForLine("started:", timeout ?? TimeSpan.FromSeconds(60)) is null)
        {
            Assert.Fail($"the daemon did not start (exited: {HasExited}):\n{Output}");
        }
    }

    /// <summary>The root worker: the daemon's child running knockknock-worker. Cached once found.</summary>
    public int WorkerProcessId
    {
        get
        {
            if (_workerPid == 0)
            {
                _workerPid = Children(ProcessId).FirstOrDefault(IsWorker);
                if (_workerPid == 0)
                {
                    throw new InvalidOperationException($"no worker child of daemon pid {ProcessId}:\n{Output}");
                }
            }
            return _workerPid;
        }
    }

    /// <summary>Waits for the daemon to exit by itself; returns its exit code.</summary>
    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            throw new TimeoutException($"the daemon (pid {ProcessId}) did not exit within {timeout}:\n{Output}");
        }
        _process.WaitForExit(); // drains the redirected output
        return _process.ExitCode;
    }

    /// <summary>SIGTERM by PID; waits for the exit and returns its code.</summary>
    public int Stop(TimeSpan? timeout = null) => Signal(LibC.SIGTERM, "TERM", timeout);

    /// <summary>Sends <paramref name="signal"/> by PID; waits for the exit and returns its code.</summary>
    public int Signal(int signal, string name, TimeSpan? timeout = null)
    {
        _ = WorkerProcessId; // known before the daemon goes, for Dispose's check
        if (LibC.kill(ProcessId, signal) != 0)
        {
            throw new InvalidOperationException($"kill -{name} {ProcessId} failed");
        }
        if (!_process.WaitForExit(timeout ?? TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException($"the daemon (pid {ProcessId}) did not exit within the time limit after SIG{name}:\n{Output}");
        }
        _process.WaitForExit(); // drains the redirected output
        return _process.ExitCode;
    }

    /// <summary>SIGKILL to the worker first (so it cannot clean up after the daemon), then the daemon; waits for both.</summary>
    public void Kill()
    {
        var worker = WorkerProcessId;
        _ = LibC.kill(worker, LibC.SIGKILL);
        _ = LibC.kill(ProcessId, LibC.SIGKILL);
        _process.WaitForExit(TimeSpan.FromSeconds(30));
        var clock = Stopwatch.StartNew();
        while (IsAlive(worker) && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            Thread.Sleep(20);
        }
    }

    /// <summary>True while /proc/PID exists and is not a zombie.</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>PIDs whose parent is <paramref name="parent"/> (from /proc/*/stat).</summary>
    public static IReadOnlyList<int> Children(int parent)
    {
        var children = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }
            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1], CultureInfo.InvariantCulture) == parent)
                {
                    children.Add(pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // gone meanwhile
            }
        }
        return children;
    }

    /// <summary>Whether <paramref name="pid"/> was started as knockknock-worker.</summary>
    private static bool IsWorker(int pid) => CommandLine(pid) is [var program, ..] && Path.GetFileName(program) == "knockknock-worker";

    /// <summary>The argv of a process (empty when it is gone).</summary>
    public static IReadOnlyList<string> CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        var worker = _workerPid;
        if (!_process.HasExited)
        {
            if (worker == 0)
            {
                worker = Children(ProcessId).FirstOrDefault(IsWorker);
            }
            _ = LibC.kill(ProcessId, LibC.SIGKILL);
            _process.WaitForExit(TimeSpan.FromSeconds(30));
        }
        // The worker ends itself when its channel closes; only if it lingers is it killed, by PID.
        if (worker != 0)
        {
            var clock = Stopwatch.StartNew();
            while (IsAlive(worker) && clock.Elapsed < TimeSpan.FromSeconds(5))
            {
                Thread.Sleep(20);
            }
            if (IsAlive(worker) && IsWorker(worker))
            {
                _ = LibC.kill(worker, LibC.SIGKILL);
            }
        }
        _process.Dispose();
    }
}
