using System.Diagnostics;
using KnockKnock.Crypto.Counters;
using KnockKnock.Crypto.Profiles;
using KnockKnock.Crypto.Protocol;

namespace KnockKnock.Tests.Support;

/// <summary>
/// The test assembly's entry point, used only when a test starts this assembly as a real child
/// process (`dotnet KnockKnock.Tests.dll MODE ...`), for behaviour that threads cannot show.
/// </summary>
internal static class ChildProcess
{
    public static int Main(string[] args)
    {
        if (args is ["reserve", var directory, var count])
        {
            using var store = CounterStore.Open(directory, Tmds.Linux.LibC.geteuid());
            for (var i = 0; i < int.Parse(count, System.Globalization.CultureInfo.InvariantCulture); i++)
            {
                Console.WriteLine(store.Reserve());
            }
            return 0;
        }
        if (args is ["exec-without-stdio", var file, .. var arguments])
        {
            // What a careless init script does with `>&- 2>&- <&-`: the command starts without 0, 1 and 2.
            for (var fd = 0; fd <= 2; fd++)
            {
                _ = Tmds.Linux.LibC.close(fd);
            }
            _ = Mono.Unix.Native.Syscall.execv(file, [file, .. arguments]);
            return 127;
        }
        Console.Error.WriteLine("usage: KnockKnock.Tests.dll reserve DIR COUNT | exec-without-stdio FILE ARG...");
        return 2;
    }

    /// <summary>Starts this test assembly as a child process with the given arguments.</summary>
    public static Process Start(params string[] args)
    {
        var assembly = typeof(ChildProcess).Assembly.Location;
        return Command.Start(Environment.ProcessPath!.EndsWith("dotnet", StringComparison.Ordinal) ? Environment.ProcessPath : "dotnet", [assembly, .. args]);
    }
}
