using BenchmarkDotNet.Attributes;
using KnockKnock.Daemon.Knocks;
using KnockKnock.Daemon.Log;

namespace KnockKnock.Benchmarks;

/// <summary>
/// The daemon's per-line path on bogus knock-port lines, whole and in parts, for each line kind
/// (<see cref="BogusLines.Kinds"/>: v1; v2 over IPv4 and IPv6, with and without bind_source).
/// Each benchmark invocation walks the whole pool, so the reported time and allocation are per line.
/// </summary>
public class PerLineBenchmarks
{
    private BogusLines _bench = null!;
    private LogLineParser _parser = null!;

    [ParamsSource(nameof(Kinds))]
    public string Kind { get; set; } = "v1";

    public static IEnumerable<string> Kinds => BogusLines.Kinds;

    [GlobalSetup]
    public void Setup()
    {
        _bench = BogusLines.Create(Kind);
        _parser = new LogLineParser();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        try
        {
            // Only Process runs the processor: then every line must have been rejected on its tag.
            var statistics = _bench.Processor.Statistics;
            if (_bench.Opener.Openings.Count != 0 || statistics.Accepted != 0 || statistics.Total(KnockRejection.BadTag) != statistics.Rejected)
            {
                throw new InvalidOperationException("a bogus line opened something, or was rejected before the tag check");
            }
        }
        finally
        {
            _bench.Dispose();
        }
    }

    /// <summary>The whole path: parse, profile lookup, tag check over 20 counters, count the rejection.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = BogusLines.PoolSize)]
    public void Process()
    {
        var processor = _bench.Processor;
        foreach (var line in _bench.Lines)
        {
            processor.Process(line);
        }
    }

    [Benchmark(OperationsPerInvoke = BogusLines.PoolSize)]
    public int Parse()
    {
        var ok = 0;
        foreach (var line in _bench.Lines)
        {
            if (_parser.TryParse(line, out _, out _))
            {
                ok++;
            }
        }
        return ok;
    }

    /// <summary>The tag check alone over 20 counters, on the parsed lines (the profile's own protocol and the line's family).</summary>
    [Benchmark(OperationsPerInvoke = BogusLines.PoolSize)]
    public int TryOpenWindow20()
    {
        var opened = 0;
        var parsed = _bench.Parsed;
        var profile = _bench.Profile;
        for (var i = 0; i < parsed.Length; i++)
        {
            if (profile.TryOpen(parsed[i], BogusLines.ErrorWindow, out _, out _))
            {
                opened++;
            }
        }
        return opened;
    }
}
