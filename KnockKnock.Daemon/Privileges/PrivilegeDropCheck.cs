namespace KnockKnock.Daemon.Privileges;

/// <summary>
/// Hidden self-test mode for the test suite (the test runner must keep root): drops privileges,
/// prints <c>dropped UID GID</c>, then waits (up to 60 s) to be inspected from outside and killed.
/// </summary>
internal static class PrivilegeDropCheck
{
    public const string Mode = "--privilege-drop-check";

    public static int Run(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length > 1)
        {
            Console.Error.WriteLine("usage: [USER]");
            return 2;
        }
        (uint Uid, uint Gid) ids;
        try
        {
            ids = PrivilegeDrop.Drop(args.Length == 1 ? args[0] : null);
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }
        var (uid, gid) = ids;
        Console.Out.WriteLine($"dropped {uid} {gid}");
        Console.Out.Flush();
        Thread.Sleep(TimeSpan.FromSeconds(60));
        return 0;
    }
}
