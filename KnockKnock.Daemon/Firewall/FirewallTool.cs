using System.Diagnostics;
using System.Text;
using Tmds.Linux;

namespace KnockKnock.Daemon.Firewall;

/// <summary>
/// Runs a firewall tool: absolute path, argv list, no shell, a minimal environment, standard input
/// on /dev/null, no other inherited descriptor, a time limit. It starts with posix_spawn from the
/// calling thread, is watched through a pidfd and reaped with waitpid, not through
/// System.Diagnostics.Process, whose threads and asynchronous streams would otherwise be part of
/// the root worker.
/// </summary>
internal static class FirewallTool
{
    private const int TimeoutMilliseconds = 20_000;
    private static readonly string[] s_environment = ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"];

    public static bool TryRun(string[] argv, out string error) => TryRun(argv, out _, out error);

    /// <summary>
    /// Runs the tool and also returns what it printed on stdout (e.g. a ruleset listing); a tool
    /// still running after <paramref name="timeoutMilliseconds"/> is killed.
    /// </summary>
    public static bool TryRun(string[] argv, out string output, out string error, int timeoutMilliseconds = TimeoutMilliseconds)
    {
        Debug.Assert(argv.Length > 0 && Path.IsPathFullyQualified(argv[0]));
        var name = Path.GetFileName(argv[0]);
        output = "";
        var (outputRead, outputWrite) = Interop.Pipe();
        using var outputReadEnd = outputRead;
        using var outputWriteEnd = outputWrite;
        var (errorsRead, errorsWrite) = Interop.Pipe();
        using var errorsReadEnd = errorsRead;
        using var errorsWriteEnd = errorsWrite;
        int pid;
        try
        {
            pid = Interop.Spawn(argv[0], argv, nullStandardStreams: true, passed: [], s_environment, outputWrite, errorsWrite);
        }
        catch (ErrnoException e)
        {
            error = $"cannot run {argv[0]}: {e.Message}";
            return false;
        }
        // Only the tool holds the write ends now: its exit (and its children's) ends both streams.
        outputWrite.Dispose();
        errorsWrite.Dispose();
        // The pidfd says when the tool itself has exited, and a signal through it reaches only the
        // tool. None: it is gone and reaped already (by something else: WorkerProgram and Program
        // restore SIGCHLD at start), nothing to kill.
        using var pidfd = Interop.TryPidfdOpen(pid, out var opened, out _) ? opened : null;
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        var (exited, drained) = ReadToEnd(outputRead, stdout, errorsRead, stderr, pidfd, Environment.TickCount64 + timeoutMilliseconds);
        if (!exited)
        {
            try
            {
                Interop.PidfdSendSignal(pidfd!, LibC.SIGKILL, name);
            }
            catch (ErrnoException)
            {
                // ESRCH: it exited after the last look; waitpid below reaps it all the same.
            }
        }
        int code;
        try
        {
            // At once: the tool has exited, or SIGKILL is ending it.
            code = Interop.WaitForExit(pid);
        }
        catch (ErrnoException e)
        {
            // ECHILD: something else reaped it, and its exit status is lost.
            error = $"{name}: its exit status is lost ({e.Message})";
            return false;
        }
        if (!exited || !drained)
        {
            error = exited ? $"{name} timed out: it exited, but a process it started still holds its output" : $"{name} timed out";
            return false;
        }
        output = Encoding.UTF8.GetString(stdout.GetBuffer(), 0, (int)stdout.Length);
        var firstLine = Encoding.UTF8.GetString(stderr.GetBuffer(), 0, (int)stderr.Length)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        error = code == 0 ? "" : $"{name} exited {code}: {firstLine ?? "no message"}";
        return code == 0;
    }

    /// <summary>
    /// Reads both pipes until each reaches end of file and the tool has exited (its pidfd is
    /// readable; no pidfd: it has), or until the clock passes <paramref name="deadline"/>.
    /// Returns whether the tool had exited and whether both pipes had ended.
    /// </summary>
    private static (bool Exited, bool Drained) ReadToEnd(FileDescriptorHandle first, MemoryStream firstSink, FileDescriptorHandle second, MemoryStream secondSink,
        FileDescriptorHandle? pidfd, long deadline)
    {
        // A negative fd is one poll ignores: that stream has ended, or the tool has exited.
        Span<pollfd> watched =
        [
            new pollfd { fd = first.Fd, events = LibC.POLLIN },
            new pollfd { fd = second.Fd, events = LibC.POLLIN },
            new pollfd { fd = pidfd?.Fd ?? -1, events = LibC.POLLIN },
        ];
        Span<byte> buffer = stackalloc byte[4096];
        while (watched[0].fd >= 0 || watched[1].fd >= 0 || watched[2].fd >= 0)
        {
            var left = deadline - Environment.TickCount64;
            if (left <= 0)
            {
                break;
            }
            if (Interop.Poll(watched, (int)left, "a firewall tool") == 0)
            {
                continue;
            }
            if (watched[2].fd >= 0 && watched[2].revents != 0)
            {
                watched[2].fd = -1;
            }
            for (var i = 0; i < 2; i++)
            {
                if (watched[i].fd < 0 || watched[i].revents == 0)
                {
                    continue;
                }
                var read = Interop.Read(i == 0 ? first : second, buffer);
                if (read > 0)
                {
                    (i == 0 ? firstSink : secondSink).Write(buffer[..(int)read]);
                }
                else if (read == 0 || System.Runtime.InteropServices.Marshal.GetLastPInvokeError() != LibC.EINTR)
                {
                    watched[i].fd = -1;
                }
            }
        }
        return (watched[2].fd < 0, watched[0].fd < 0 && watched[1].fd < 0);
    }
}
