using KnockKnock.Daemon.GenProfile;
using KnockKnock.Daemon.Privileges;
using KnockKnock.Daemon.Service;
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
        // Hidden modes, before any CLI parsing: the root worker and the privilege-drop self-check.
        if (args is [WorkerMain.Mode, .. var workerArgs])
        {
            return WorkerMain.Run(workerArgs);
        }
        if (args is [PrivilegeDropCheck.Mode, .. var checkArgs])
        {
            return PrivilegeDropCheck.Run(checkArgs);
        }
        var invokedAs = Path.GetFileName(Environment.GetCommandLineArgs()[0]);
        if (invokedAs == GenProfileCommand.CommandName || (args.Length > 0 && args[0] == "genprofile"))
        {
            return GenProfileCommand.Run(invokedAs == GenProfileCommand.CommandName ? args : args[1..], Console.Out, Console.Error);
        }
        return DaemonCommand.Run(args, Console.Out, Console.Error);
    }
}
