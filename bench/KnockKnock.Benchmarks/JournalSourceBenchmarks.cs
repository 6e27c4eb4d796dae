using System.Diagnostics;
using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using KnockKnock.Daemon.Knocks;
using KnockKnock.Daemon.Log;

namespace KnockKnock.Benchmarks;

/// <summary>
/// The journal source's cost per entry (docs/PERFORMANCE.md, section 5): a journal file written once
/// by systemd-journal-remote holding <see cref="Entries"/> kernel entries (the bogus LOG lines of
/// <see cref="BogusLines"/>, as journald stores them, among as many entries of other transports the
/// matches skip); each invocation opens it, reads every kernel entry through
/// <see cref="JournalSource"/>, and closes it. Times and allocations are per kernel entry.
/// </summary>
public class JournalSourceBenchmarks
{
    public const int Entries = 10_000;

    private BogusLines _bench = null!;
    private string _file = null!;

    [GlobalSetup]
    public void Setup()
    {
        _bench = BogusLines.Create();
        _file = Path.Combine(_bench.Directory, "bench.journal");
        var export = new StringBuilder();
        var monotonic = Stopwatch.GetTimestamp() / 1000;
        var realtime = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
        var boot = BootId.Current();
        for (var i = 0; i < Entries; i++)
        {
            var line = Encoding.ASCII.GetString(_bench.Lines[i % BogusLines.PoolSize]);
            export.Append(CultureInfo.InvariantCulture, $"__REALTIME_TIMESTAMP={realtime + i}\n__MONOTONIC_TIMESTAMP={monotonic + i}\n_BOOT_ID={boot}\n")
                .Append(CultureInfo.InvariantCulture, $"_TRANSPORT=kernel\nPRIORITY=4\nSYSLOG_FACILITY=0\nSYSLOG_IDENTIFIER=kernel\n_SOURCE_MONOTONIC_TIMESTAMP={monotonic + i}\nMESSAGE={line}\n\n")
                .Append(CultureInfo.InvariantCulture, $"__REALTIME_TIMESTAMP={realtime + i}\n_BOOT_ID={boot}\n_TRANSPORT=stdout\nPRIORITY=6\nSYSLOG_IDENTIFIER=other\nMESSAGE=another service's line {i}\n\n");
        }
        var input = _file + ".export";
        File.WriteAllText(input, export.ToString());
        using var remote = Process.Start("/lib/systemd/systemd-journal-remote", ["-o", _file, input]) ?? throw new InvalidOperationException("systemd-journal-remote did not start");
        remote.WaitForExit();
        if (remote.ExitCode != 0)
        {
            throw new InvalidOperationException($"systemd-journal-remote exited with {remote.ExitCode} (apt install systemd-journal-remote)");
        }
        File.Delete(input);
    }

    [GlobalCleanup]
    public void Cleanup() => _bench.Dispose();

    /// <summary>
    /// The source alone (next, _TRANSPORT, MESSAGE) and a handler that only scans the message for a
    /// byte it does not hold, so that the message's memory is read as the parser would read it.
    /// </summary>
    [Benchmark(OperationsPerInvoke = Entries)]
    public int Read()
    {
        var found = 0;
        var count = ReadAll((line, _) => found += line.Contains((byte)'\n') ? 1 : 0);
        return count + found;
    }

    /// <summary>The source and the whole per-line path behind it (parse, profile, 20 tags).</summary>
    [Benchmark(OperationsPerInvoke = Entries)]
    public int ReadAndProcess()
    {
        var processor = _bench.Processor;
        return ReadAll(processor.Process);
    }

    private int ReadAll(LineHandler handler)
    {
        using var cancel = new CancellationTokenSource();
        using var source = new JournalSource([_file], fromStart: true);
        var count = 0;
        source.Run((line, age) =>
        {
            handler(line, age);
            if (++count == Entries)
            {
                cancel.Cancel();
            }
        }, cancel.Token);
        return count == Entries ? count : throw new InvalidOperationException($"read {count} of {Entries} entries");
    }
}
