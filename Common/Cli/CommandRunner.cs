using System.CommandLine;
using System.CommandLine.Parsing;

namespace KnockKnock.Cli;

/// <summary>
/// Runs a System.CommandLine root the KnockKnock way, for every command of both executables: the
/// root, named after its executable, gets the <see cref="StandardOptions"/> last; a parse error is
/// one line on stderr and exit 2 (no help dump); a <see cref="KnockKnockException"/> is its one line
/// and exit code; an environment failure (a failed system call, a tool that failed, a missing
/// native library) is one line and exit 1.
/// </summary>
internal static class CommandRunner
{
    public static int Invoke(Command root, string[] args, TextWriter output, TextWriter error)
    {
        var commandName = root.Name;
        root.Options.Add(StandardOptions.Help());
        root.Options.Add(StandardOptions.Version());
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            error.WriteLine($"{commandName}: {parse.Errors[0].Message} (see {commandName} --help)");
            return ExitCodes.Usage;
        }
        // A first argument in brackets parses as a directive, which a root without directives
        // (RootCommand's) would otherwise drop in silence: `knockknock [x] -p 22 host` must not knock.
        if (parse.Tokens.FirstOrDefault(token => token.Type == TokenType.Directive) is { } directive)
        {
            error.WriteLine($"{commandName}: Unrecognized command or argument '{directive.Value}'. (see {commandName} --help)");
            return ExitCodes.Usage;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
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
