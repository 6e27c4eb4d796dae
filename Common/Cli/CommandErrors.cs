namespace KnockKnock.Cli;

/// <summary>
/// How every KnockKnock executable ends on an error (<see cref="CommandRunner"/>'s commands, and
/// the daemon's long-running image, which has no command line to parse): a
/// <see cref="KnockKnockException"/> is its one line and exit code; an environment failure (a
/// failed system call, a tool that failed, a missing native library) is one line and exit 1.
/// </summary>
internal static class CommandErrors
{
    /// <summary>Runs <paramref name="action"/>; its failures become one line <c>COMMAND: message</c> on <paramref name="error"/> and their exit code.</summary>
    public static int Run(string commandName, TextWriter error, Func<int> action)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(action);
        try
        {
            return action();
        }
        catch (KnockKnockException e)
        {
            error.WriteLine($"{commandName}: {e.Message}");
            return e.ExitCode;
        }
        catch (UnauthorizedAccessException e)
        {
            error.WriteLine($"{commandName}: {e.Message}");
            return ExitCodes.NoPrivilege;
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            error.WriteLine($"{commandName}: {e.Message}");
            return ExitCodes.Failure;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException
            || e is TypeInitializationException { InnerException: DllNotFoundException or EntryPointNotFoundException })
        {
            // The loader's own words (dlerror) are the message's last line; the lines before are the runtime's advice.
            var missing = e.InnerException ?? e;
            error.WriteLine($"{commandName}: broken installation: {missing.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1]}");
            return ExitCodes.Failure;
        }
    }
}
