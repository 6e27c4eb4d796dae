using System.CommandLine;
using System.CommandLine.Help;
using KnockKnock.Crypto;

namespace KnockKnock.Daemon;

/// <summary>
/// Runs a System.CommandLine root the KnockKnock way: a parse error is one line on stderr and
/// exit 2 (no help dump); a KnockKnockException is one line and its exit code.
/// </summary>
internal static class CommandLine
{
    public static int Invoke(string commandName, RootCommand root, string[] args, TextWriter output, TextWriter error)
    {
        ((HelpAction)root.Options.OfType<HelpOption>().Single().Action!).MaxWidth = StandardStreams.HelpWidth;
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            error.WriteLine($"{commandName}: {parse.Errors[0].Message} (see {commandName} --help)");
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
        catch (IOException e)
        {
            error.WriteLine($"{commandName}: {e.Message}");
            return ExitCodes.Failure;
        }
        catch (UnauthorizedAccessException e)
        {
            error.WriteLine($"{commandName}: {e.Message}");
            return ExitCodes.NoPrivilege;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or System.ComponentModel.Win32Exception)
        {
            // Environment failures from the worker, the privilege drop or a tool: one line, exit 1.
            error.WriteLine($"{commandName}: {e.Message}");
            return ExitCodes.Failure;
        }
        catch (TypeInitializationException e) when (e.InnerException is DllNotFoundException missing)
        {
            error.WriteLine($"{commandName}: broken installation: {missing.Message.Split('\n')[0]} (reinstall with scripts/install.sh)");
            return ExitCodes.Failure;
        }
    }
}
