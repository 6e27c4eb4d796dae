using KnockKnock.Daemon.Firewall;
using KnockKnock.Daemon.Worker;
using Tmds.Linux;

namespace KnockKnock.Tests.Support;

/// <summary>
/// The real root worker (the built knockknock-worker) started directly by a test, inside a
/// namespace, with a policy for one profile <c>test</c> (knock port 7001, the given allowed ports and
/// delay) and its own root-only counters directory; <see cref="Open"/> sends a valid-looking request
/// with the next unused counter, as an intact daemon would.
/// </summary>
internal sealed class TestWorker : IDisposable
{
    public const string Profile = "test";
    public const ushort KnockPort = 7001;

    private readonly TempDirectory _counters;
    private readonly bool _ownsCounters;
    private ulong _next;
    private bool _stopped;

    private TestWorker(WorkerClient client, TempDirectory counters, bool ownsCounters, WorkerPolicy policy, ulong next)
    {
        Client = client;
        _counters = counters;
        _ownsCounters = ownsCounters;
        Policy = policy;
        _next = next;
    }

    public WorkerClient Client { get; }

    public WorkerPolicy Policy { get; }

    public int ProcessId => Client.ProcessId;

    public Task<int> Exited => Client.Exited;

    /// <summary>
    /// Starts a worker; <paramref name="counters"/> reuses the counters directory of a worker started
    /// before (a restart: the first one keeps owning it, so stop that one with <see cref="Stop"/> and dispose it last);
    /// <paramref name="launcherPrefix"/> goes before the namespace's <c>ip netns exec</c> (an argv prefix that execs in place);
    /// <paramref name="executable"/> is another copy of the worker's image to run.
    /// </summary>
    public static TestWorker Start(IFirewallBackend firewall, NetworkNamespace ns, int delay, List<string>? messages = null, string allowed = "all",
        int maxOpenings = WorkerPolicy.DefaultMaxOpenings, int maxRate = WorkerPolicy.DefaultMaxRatePerSecond, TestWorker? counters = null, TempDirectory? countersDirectory = null,
        IReadOnlyList<string>? launcherPrefix = null, string? executable = null)
    {
        var directory = counters?._counters ?? countersDirectory ?? new TempDirectory();
        var policy = new WorkerPolicy(delay, 20, maxOpenings, maxRate, LogPrefix.Default,
            new Dictionary<string, WorkerPolicy.ProfileRule> { [Profile] = new(KnockPort, PortSet.Parse(allowed)) });
        using var handle = Interop.Open(directory.Path, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC);
        ulong next;
        if (CounterFile.TryOpen(handle, directory.Path, Profile, out var existing))
        {
            using (existing)
            {
                next = existing.Value;
            }
        }
        else
        {
            using var created = CounterFile.Create(handle, directory.Path, Profile, 0);
            next = 0;
        }
        var client = WorkerClient.Start(firewall, FirewallSettings.Default, policy, handle, executable ?? Binaries.Worker, launcher: [.. launcherPrefix ?? [], "/bin/ip", "netns", "exec", ns.Name],
            onMessage: messages is null ? null : line =>
            {
                lock (messages)
                {
                    messages.Add(line);
                }
            });
        return new TestWorker(client, directory, counters is null && countersDirectory is null, policy, next);
    }

    /// <summary>Asks for an opening with the policy's delay and the next counter; true when it opened.</summary>
    public bool Open(HostAddress source, ushort port, out string reason)
        => Client.TryOpen(Profile, _next++, source, port, Policy.DelaySeconds, out reason) == OpenOutcome.Opened;

    /// <summary>The counter the worker stored, read back from its file.</summary>
    public ulong StoredCounter()
    {
        using var handle = Interop.Open(_counters.Path, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC);
        Assert.That(CounterFile.TryOpen(handle, _counters.Path, Profile, out var counter), Is.True);
        using (counter)
        {
            return counter.Value;
        }
    }

    public int Detach() => Client.Detach();

    public void Flush() => Client.Flush();

    public string Exchange(ReadOnlySpan<byte> message) => Client.Exchange(message);

    /// <summary>Closes the channel: the worker removes its openings and exits (waited for).</summary>
    public void Stop()
    {
        if (!_stopped)
        {
            _stopped = true;
            Client.Dispose();
        }
    }

    /// <summary>Stops the worker and removes the counters directory it owns.</summary>
    public void Dispose()
    {
        Stop();
        if (_ownsCounters)
        {
            _counters.Dispose();
        }
    }
}
