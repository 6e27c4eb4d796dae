using System.CommandLine;
using System.CommandLine.Parsing;

namespace KnockKnock.Cli;

/// <summary>
/// Runs a System.CommandLine root the KnockKnock way, for every command of both executables: the
/// root, named after its executable, gets the <see cref="StandardOptions"/> last; a parse error is
/// one line on stderr and exit 2 (no help dump); what the command throws ends it as
/// <see cref="CommandErrors"/> says.
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
        return CommandErrors.Run(commandName, error, () => parse.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false }));
    }
}
