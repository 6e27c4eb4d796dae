using Tmds.Linux;

namespace KnockKnock.Daemon.Host;

/// <summary>
/// Going to the background without forking managed code: the command starts the daemon's
/// long-running image (<see cref="RunProgram"/>, posix_spawn) with its stderr on a pipe; the child
/// starts a new session (setsid), relays its start-up log lines through the pipe and, once it runs
/// unprivileged, writes <see cref="ReadyMarker"/> and points stdio at /dev/null. The parent exits 0
/// on the marker, or with the child's exit code when the pipe ends without it.
/// </summary>
internal static class Background
{
    public const string ReadyMarker = "knockknock-daemon: ready";

    /// <summary>Parent side: starts <paramref name="run"/> detached with <paramref name="arguments"/> and waits for it to detach or fail.</summary>
    public static int Launch(string run, IReadOnlyList<string> arguments, TextWriter output, TextWriter error)
    {
        var (read, write) = Interop.Pipe();
        using var lines = read;
        int pid;
        using (write)
        {
            // Its stdin and stdout on /dev/null, its stderr this pipe, no other descriptor; this process's environment.
            pid = Interop.Spawn(run, [run, .. arguments], nullStandardStreams: true, passed: [], errors: write);
        }
        foreach (var line in PipeLines.Read(lines))
        {
            if (line == ReadyMarker)
            {
                output.WriteLine($"knockknock-daemon is running in the background (pid {pid}); it logs to syslog");
                return ExitCodes.Ok;
            }
            error.WriteLine(line);
        }
        int code;
        try
        {
            code = Interop.WaitForExit(pid);
        }
        catch (ErrnoException)
        {
            // ECHILD: something else reaped it (Main restores SIGCHLD, so not the kernel); its exit code is lost.
            return ExitCodes.Failure;
        }
        return code == 0 ? ExitCodes.Failure : code;
    }

    /// <summary>Child side, first thing: leave the parent's session and terminal.</summary>
    public static void StartSession() => Interop.StartSession();

    /// <summary>Child side, once running: tells the parent, then points stdin, stdout and stderr at /dev/null.</summary>
    public static void Detach(TextWriter error)
    {
        error.WriteLine(ReadyMarker);
        error.Flush();
        using var devNull = Interop.Open("/dev/null", LibC.O_RDWR | LibC.O_CLOEXEC);
        for (var fd = 0; fd <= 2; fd++)
        {
            Interop.Dup2(devNull, fd);
        }
    }
}
