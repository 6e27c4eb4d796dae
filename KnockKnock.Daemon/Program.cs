using KnockKnock.Daemon.GenProfile;

namespace KnockKnock.Daemon;

/// <summary>
/// One executable, several commands: installed as knockknock-daemon, and as knockknock-genprofile
/// through a symlink (the name it was started by picks the command).
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        var invokedAs = Path.GetFileName(Environment.GetCommandLineArgs()[0]);
        if (invokedAs == GenProfileCommand.CommandName || (args.Length > 0 && args[0] == "genprofile"))
        {
            return GenProfileCommand.Run(invokedAs == GenProfileCommand.CommandName ? args : args[1..], Console.Out, Console.Error);
        }
        Console.Error.WriteLine("knockknock-daemon: not implemented yet");
        return 1;
    }
}
