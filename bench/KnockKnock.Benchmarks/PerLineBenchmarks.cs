using BenchmarkDotNet.Attributes;
using KnockKnock.Crypto.Profiles;
using KnockKnock.Crypto.Protocol;
using KnockKnock.Daemon.Knocks;
using KnockKnock.Daemon.Log;

namespace KnockKnock.Benchmarks;

/// <summary>
/// The daemon's per-line path on bogus knock-port lines, whole and in parts. Each benchmark
/// invocation walks the whole pool, so the reported time and allocation are per line.
/// </summary>
public class PerLineBenchmarks
{
    private BogusLines _bench = null!;
    private LogLineParser _parser = null!;
    private KnockCipher _cipher = null!;
    private KnockFields[] _fields = null!;

    [GlobalSetup]
    public void Setup()
    {
        _bench = BogusLines.Create();
        _parser = new LogLineParser();
        _cipher = _bench.Profile.Cipher;
        _fields = [.. _bench.Parsed.Select(k => new KnockFields(k.Id, k.Sequence, k.Acknowledgment, k.Window))];
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

    [Benchmark(OperationsPerInvoke = BogusLines.PoolSize)]
    public int TryOpenWindow20()
    {
        var opened = 0;
        var fields = _fields;
        for (var i = 0; i < fields.Length; i++)
        {
            if (_cipher.TryOpen(fields[i], 0, BogusLines.ErrorWindow, BogusLines.KnockPort, default, out _, out _))
            {
                opened++;
            }
        }
        return opened;
    }
}
