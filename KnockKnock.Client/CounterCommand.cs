using System.CommandLine;

namespace KnockKnock.Client;

/// <summary>
/// <c>knockknock counter HOST</c>: prints the next counter the profile of HOST will use, which its
/// <c>counter</c> file keeps as a two-slot record after the first knock (docs/PROTOCOL.md, "Lost
/// packets and resynchronising", says what to do with it). Reads only; sends nothing.
/// </summary>
internal static class CounterCommand
{
    public const string Name = "counter";

    public static Command Create(TextWriter output)
    {
        var host = new Argument<string>("host")
        {
            Description = "The server, as its profile in ~/.knockknock/ is named.",
            HelpName = "HOST",
        };
        var profileDirectory = ProfileLocator.DirectoryOption();
        var command = new Command(Name, "Print the next counter the profile of HOST will use (to resynchronise with the server: see README, \"Counters out of sync\"). Sends nothing.")
        {
            host, profileDirectory,
        };
        command.SetAction(parse =>
        {
            using var profile = ProfileLocator.Load(parse.GetValue(profileDirectory), parse.GetRequiredValue(host));
            using var counter = profile.OpenCounter();
            output.WriteLine(counter.Read());
            return ExitCodes.Ok;
        });
        return command;
    }
}
