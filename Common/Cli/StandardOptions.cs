using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Reflection;

namespace KnockKnock.Cli;

/// <summary>
/// The help and version options every KnockKnock command line ends with: System.CommandLine's own
/// names, aliases and descriptions, its help text, and actions that clear parse errors as its own
/// do (so <c>knockknock --help</c> needs no -p). Not its RootCommand, HelpOption and VersionOption:
/// their constructors read the executable's name through reflection (Assembly.GetEntryAssembly) and
/// their descriptions from a ResourceManager (reflection over the assembly's attributes), and
/// starting NativeAOT's reflection cost every knock about 0.9 ms before its packet left
/// (docs/PERFORMANCE.md, section 3). Reflection now runs only for --version.
/// </summary>
internal static class StandardOptions
{
    /// <summary>-?, -h, --help (and /? /h): the help of the command given, wrapped at <see cref="StandardStreams.HelpWidth"/>; offered by every subcommand.</summary>
    public static Option Help() => new Option<bool>("--help", "-h", "/h", "-?", "/?")
    {
        Description = "Show help and usage information",
        Arity = ArgumentArity.Zero,
        Recursive = true,
        Action = new HelpAction { MaxWidth = StandardStreams.HelpWidth },
    };

    /// <summary>--version: the executable's version (its informational version, Directory.Build.props' Version), alone on the command line.</summary>
    public static Option Version()
    {
        var version = new Option<bool>("--version")
        {
            Description = "Show version information",
            Arity = ArgumentArity.Zero,
            Action = new VersionAction(),
        };
        version.Validators.Add(result =>
        {
            // Implicit: the option's default (false), there whenever --version is not.
            if (!result.Implicit
                && result.Parent is CommandResult command
                && command.Children.Any(child => child is not OptionResult { Implicit: true } && (child as OptionResult)?.Option != version))
            {
                result.AddError("--version cannot be combined with other arguments");
            }
        });
        return version;
    }

    private sealed class VersionAction : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.WriteLine(
                typeof(StandardOptions).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion);
            return ExitCodes.Ok;
        }
    }
}
