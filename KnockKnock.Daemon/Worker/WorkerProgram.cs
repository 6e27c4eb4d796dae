namespace KnockKnock.Daemon.Worker;

/// <summary>
/// The entry point of knockknock-worker, the root worker's own executable (published from this
/// project with <c>-p:KnockKnockWorker=true</c>; see the project file). The daemon starts it with
/// the arguments <see cref="WorkerMain"/> documents.
/// </summary>
internal static class WorkerProgram
{
    /// <summary>Its file name; the daemon runs it from the directory of its own executable.</summary>
    public const string FileName = "knockknock-worker";

    private static int Main(string[] args)
    {
        Interop.RestoreChildSignal();
        return WorkerMain.Run(args);
    }
}
