namespace KnockKnock.Tests.Support;

/// <summary>
/// Paths of the built executables. By default the build output next to the test assembly (the
/// test project references the daemon and client, so their apphosts are copied here); set
/// KNOCKKNOCK_BIN_DIR to test other binaries, e.g. NativeAOT-published ones. Tests that start the
/// daemon or its worker need KNOCKKNOCK_BIN_DIR (scripts/test.sh sets it): the build output has no
/// knockknock-worker, which only a publish with -p:KnockKnockWorker=true makes.
/// </summary>
internal static class Binaries
{
    public const string DirectoryVariable = "KNOCKKNOCK_BIN_DIR";

    public static string Directory => Environment.GetEnvironmentVariable(DirectoryVariable) is { Length: > 0 } dir
        ? Path.GetFullPath(dir)
        : AppContext.BaseDirectory;

    /// <summary>The daemon executable (knockknock-daemon).</summary>
    public static string Daemon => Find("knockknock-daemon");

    /// <summary>
    /// The root worker's executable (knockknock-worker): not a command, so it has no link in bin/;
    /// it sits beside the daemon's real file, where the daemon looks for it.
    /// </summary>
    public static string Worker => BesideDaemon("knockknock-worker");

    /// <summary>The daemon's long-running image (knockknock-daemon-run), which knockknock-daemon execs from beside its real file.</summary>
    public static string DaemonRun => BesideDaemon("knockknock-daemon-run");

    private static string BesideDaemon(string name)
    {
        var daemon = new FileInfo(Daemon);
        var real = daemon.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? daemon.FullName;
        var path = Path.Combine(Path.GetDirectoryName(real)!, name);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{name} not found beside {real} (publish it: scripts/install.sh)", path);
    }

    /// <summary>The client executable (knockknock).</summary>
    public static string Client => Find("knockknock");

    private static string Find(string name)
    {
        var path = Path.Combine(Directory, name);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{name} not found in {Directory} (build it, or set {DirectoryVariable})", path);
    }
}
