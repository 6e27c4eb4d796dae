using System.Diagnostics;
using KnockKnock.Crypto;
using Tmds.Linux;

namespace KnockKnock.Daemon.Service;

/// <summary>
/// Going to the background without forking managed code: the command re-executes itself in a
/// hidden mode with piped stdio; the child starts a new session (setsid), relays its start-up log
/// lines through the pipe, and once it runs it points stdio at /dev/null, which the parent sees as
/// end of file. The parent then exits 0 if the child lives, else with the child's exit code.
/// </summary>
internal static class Background
{
    public const string ChildMode = "--background-child";

    /// <summary>Parent side: starts the detached child with the same arguments and waits for it to detach or fail.</summary>
    public static int Launch(string[] args, TextWriter output, TextWriter error)
    {
        var info = new ProcessStartInfo(Environment.ProcessPath ?? throw KnockKnockException.Failure("cannot find this executable"))
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.ArgumentList.Add(ChildMode);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using var child = Process.Start(info) ?? throw KnockKnockException.Failure("could not start the background daemon");
        child.StandardInput.Close();
        _ = child.StandardOutput.ReadToEndAsync();
        while (child.StandardError.ReadLine() is { } line)
        {
            error.WriteLine(line);
        }
        if (child.WaitForExit(TimeSpan.FromMilliseconds(300)))
        {
            return child.ExitCode == 0 ? ExitCodes.Failure : child.ExitCode;
        }
        output.WriteLine($"knockknock-daemon is running in the background (pid {child.Id}); it logs to syslog");
        return ExitCodes.Ok;
    }

    /// <summary>Child side, first thing: leave the parent's session and terminal.</summary>
    public static void StartSession()
    {
        if (LibC.setsid() < 0)
        {
            throw KnockKnockException.Failure("setsid failed: cannot detach from the terminal");
        }
    }

    /// <summary>Child side, once running: stdin, stdout and stderr to /dev/null, which ends the parent's wait.</summary>
    public static unsafe void DetachStandardStreams()
    {
        int devNull;
        fixed (byte* path = "/dev/null\0"u8)
        {
            devNull = LibC.open(path, LibC.O_RDWR, 0);
        }
        if (devNull < 0 || LibC.dup2(devNull, 0) < 0 || LibC.dup2(devNull, 1) < 0 || LibC.dup2(devNull, 2) < 0)
        {
            throw KnockKnockException.Failure("cannot point stdio at /dev/null");
        }
        if (devNull > 2 && LibC.close(devNull) < 0)
        {
            throw KnockKnockException.Failure("close(/dev/null) failed");
        }
    }
}
