namespace KnockKnock.Daemon.Worker;

/// <summary>
/// Gives a process's free memory back to the kernel after a burst: a full, compacting collection
/// that decommits the managed heap's free room, then glibc's free pages (malloc_trim), which
/// allocations per command leave scattered below live ones, where free() alone cannot return them.
/// A few ms of CPU, for an idle moment. The worker runs it after a burst of requests (WorkerMain);
/// the daemon after a burst of knocks (Host/IdleRelease). Here, in Worker, so that both may call it.
/// </summary>
internal static class HeapRelease
{
    public static void Run()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        Interop.ReleaseFreeHeapPages();
    }
}
