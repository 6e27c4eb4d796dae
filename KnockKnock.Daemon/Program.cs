using KnockKnock.Cli;
using KnockKnock.Daemon.Commands;

namespace KnockKnock.Daemon;

/// <summary>
/// One executable, several commands: installed as knockknock-daemon, and as knockknock-genprofile
/// through a symlink (the name it was started by picks the command). The root worker is another
/// executable (<see cref="Worker.WorkerProgram"/>).
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        Interop.RestoreChildSignal();
        var invokedAs = Path.GetFileName(Environment.GetCommandLineArgs()[0]);
        if (invokedAs == GenProfileCommand.CommandName || (args.Length > 0 && args[0] == "genprofile"))
        {
            return GenProfileCommand.Run(invokedAs == GenProfileCommand.CommandName ? args : args[1..], StandardStreams.Output, StandardStreams.Error);
        }
        return DaemonCommand.Run(args, StandardStreams.Output, StandardStreams.Error);
    }
}
