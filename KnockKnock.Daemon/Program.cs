using KnockKnock.Cli;
using KnockKnock.Daemon.Commands;
using KnockKnock.Daemon.Worker;

namespace KnockKnock.Daemon;

/// <summary>
/// One executable, several commands: installed as knockknock-daemon, and as knockknock-genprofile
/// through a symlink (the name it was started by picks the command).
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        // The hidden worker mode, before any CLI parsing.
        if (args is [WorkerMain.Mode, .. var workerArgs])
        {
            return WorkerMain.Run(workerArgs);
        }
        var invokedAs = Path.GetFileName(Environment.GetCommandLineArgs()[0]);
        if (invokedAs == GenProfileCommand.CommandName || (args.Length > 0 && args[0] == "genprofile"))
        {
            return GenProfileCommand.Run(invokedAs == GenProfileCommand.CommandName ? args : args[1..], StandardStreams.Output, StandardStreams.Error);
        }
        return DaemonCommand.Run(args, StandardStreams.Output, StandardStreams.Error);
    }
}
