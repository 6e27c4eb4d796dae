using KnockKnock.Daemon.Privileges;
using KnockKnock.Daemon.Worker;

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
        return 0;
    }
}
