using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Packaging;

/// <summary>
/// scripts/make-man.sh: one page per command, generated from the installed commands' --help, so
/// every option the help lists is in the page; groff renders each without a warning; the
/// hand-written sections (docs/man/*.h2m) are there.
/// </summary>
[TestFixture]
public sealed class ManPageTests
{
    private static readonly string[] s_pages = ["knockknock.1", "knockknock-daemon.8", "knockknock-genprofile.8", "knockknock-minimal-firewall.8"];
    private TempDirectory _out = null!;

    [OneTimeSetUp]
    public void Generate()
    {
        ToolRequirement.Require("help2man", "man");
        if (Environment.GetEnvironmentVariable(Binaries.DirectoryVariable) is not { Length: > 0 })
        {
            Assert.Ignore($"needs installed commands (knockknock-genprofile is a symlink): set {Binaries.DirectoryVariable} as scripts/test.sh does");
        }
        _out = new TempDirectory();
        var result = Command.Run(Repository.File("scripts", "make-man.sh"), ["--bin-dir", Binaries.Directory, "--out", _out.Path], TimeSpan.FromMinutes(2));
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
    }

    [OneTimeTearDown]
    public void RemoveOutput() => _out?.Dispose();

    /// <summary>The page as man shows it (plain text, ASCII hyphens, wide enough that nothing wraps inside an option).</summary>
    internal static CommandResult Render(params string[] manArguments)
        => Command.Run("man", ["--warnings", "-P", "cat", .. manArguments], environment: new Dictionary<string, string> { ["MANWIDTH"] = "200", ["LC_ALL"] = "C", ["MAN_KEEP_FORMATTING"] = "" });

    [TestCaseSource(nameof(s_pages))]
    public void The_page_renders_without_groff_warnings_and_has_the_hand_written_sections(string page)
    {
        var rendered = Render("-l", Path.Combine(_out.Path, page));
        Assert.That(rendered.ExitCode, Is.Zero, rendered.ToString());
        Assert.That(rendered.StdErr, Is.Empty);
        foreach (var section in new[] { "NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS", "SEE ALSO" })
        {
            Assert.That(rendered.StdOut, Does.Contain("\n" + section + "\n"), $"{page}: section {section}");
        }
    }

    [TestCase("knockknock.1", "knockknock")]
    [TestCase("knockknock-daemon.8", "knockknock-daemon")]
    [TestCase("knockknock-genprofile.8", "knockknock-genprofile")]
    public void Every_option_of_the_help_is_in_the_page(string page, string command)
    {
        var rendered = Render("-l", Path.Combine(_out.Path, page)).StdOut;
        var executable = Path.Combine(Binaries.Directory, command);
        var helps = new List<string> { Command.Check(executable, "--help") };
        // Commands (the daemon's today) each have their own options and a COMMANDS subsection.
        foreach (var subcommand in Block(helps[0], "Commands:").Select(line => line.Trim().Split(' ')[0]))
        {
            Assert.That(rendered, Does.Contain($"{command} {subcommand}\n"), $"{page}: command {subcommand}");
            helps.Add(Command.Check(executable, subcommand, "--help"));
        }
        var options = helps.SelectMany(help => Block(help, "Options:"))
            .SelectMany(line => line.Trim().Split("  ")[0].Split([',', ' ']))
            .Where(word => word.StartsWith('-'))
            .Distinct()
            .ToList();
        Assert.That(options, Is.Not.Empty);
        foreach (var option in options)
        {
            Assert.That(rendered, Does.Contain(option), $"{page}: option {option}");
        }
    }

    [Test]
    public void The_daemon_page_lists_every_command_of_the_help()
    {
        var help = Command.Check(Binaries.Daemon, "--help");
        var rendered = Render("-l", Path.Combine(_out.Path, "knockknock-daemon.8")).StdOut;
        var commands = Block(help, "Commands:").Select(line => line.Trim().Split(' ')[0]).ToList();
        Assert.That(commands, Does.Contain("status").And.Contain("rules"));
        Assert.That(commands.Where(c => !rendered.Contains($"knockknock-daemon {c}\n", StringComparison.Ordinal)), Is.Empty);
    }

    /// <summary>The entry lines (two-space indent, not continuation lines) of one "Heading:" block of a System.CommandLine help.</summary>
    private static IEnumerable<string> Block(string help, string heading)
        => help.Split('\n')
            .SkipWhile(line => line != heading)
            .Skip(1)
            .TakeWhile(line => line.Length > 0)
            .Where(line => line.Length > 2 && line.StartsWith("  ", StringComparison.Ordinal) && line[2] != ' ');
}
