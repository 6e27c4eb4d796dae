using System.Diagnostics;
using System.Text;
using Tmds.Linux;

namespace KnockKnock.Daemon.Firewall;

/// <summary>
/// Runs a firewall tool: absolute path, argv list, no shell, a minimal environment, standard input
/// on /dev/null, a time limit. It starts with posix_spawn from the calling thread and is reaped
/// with waitpid, not through System.Diagnostics.Process, whose threads and asynchronous streams
/// would otherwise be part of the root worker.
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
            pid = Interop.Spawn(argv[0], argv, nullStandardStreams: true, s_environment, outputWrite, errorsWrite);
        }
        catch (ErrnoException e)
        {
            error = $"cannot run {argv[0]}: {e.Message}";
            return false;
        }
        // Only the tool holds the write ends now: its exit (and its children's) ends both streams.
        outputWrite.Dispose();
        errorsWrite.Dispose();
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        var ended = ReadToEnd(outputRead, stdout, errorsRead, stderr, Environment.TickCount64 + timeoutMilliseconds);
        if (!ended)
        {
            Interop.SignalChild(pid, LibC.SIGKILL);
        }
        int code;
        try
        {
            code = Interop.WaitForExit(pid);
        }
        catch (ErrnoException e)
        {
            // ECHILD: something else reaped it (SIGCHLD ignored), and its exit status is lost.
            error = $"{name}: its exit status is lost ({e.Message})";
            return false;
        }
        if (!ended)
        {
            error = $"{name} timed out";
            return false;
        }
        output = Encoding.UTF8.GetString(stdout.GetBuffer(), 0, (int)stdout.Length);
        var firstLine = Encoding.UTF8.GetString(stderr.GetBuffer(), 0, (int)stderr.Length)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        error = code == 0 ? "" : $"{name} exited {code}: {firstLine ?? "no message"}";
        return code == 0;
    }

    /// <summary>
    /// Reads both pipes until each reaches end of file (true) or the clock passes
    /// <paramref name="deadline"/> (false).
    /// </summary>
    private static bool ReadToEnd(FileDescriptorHandle first, MemoryStream firstSink, FileDescriptorHandle second, MemoryStream secondSink, long deadline)
    {
        Span<pollfd> streams = [new pollfd { fd = first.Fd, events = LibC.POLLIN }, new pollfd { fd = second.Fd, events = LibC.POLLIN }];
        Span<byte> buffer = stackalloc byte[4096];
        while (streams[0].fd >= 0 || streams[1].fd >= 0)
        {
            var left = deadline - Environment.TickCount64;
            if (left <= 0)
            {
                return false;
            }
            if (Interop.Poll(streams, (int)left, "a firewall tool's output") == 0)
            {
                continue;
            }
            for (var i = 0; i < streams.Length; i++)
            {
                // A negative fd is one poll ignores: that stream has ended.
                if (streams[i].fd < 0 || streams[i].revents == 0)
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
                    streams[i].fd = -1;
                }
            }
        }
        return true;
    }
}
