using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using KnockKnock.Daemon.Log;

namespace KnockKnock.Tests.Log;

/// <summary>Runs a log source on its own thread and collects what it delivers, for tests.</summary>
internal sealed class SourceRunner : IDisposable
{
    private readonly ConcurrentQueue<(string Line, TimeSpan? Age)> _records = new();
    private readonly CancellationTokenSource _cancel = new();
    private readonly Thread _thread;
    private Exception? _failure;

    public SourceRunner(ILogSource source, Func<string, bool>? keep = null)
    {
        _thread = new Thread(() =>
        {
            try
            {
                source.Run((line, age) =>
                {
                    var text = Encoding.Latin1.GetString(line);
                    if (keep is null || keep(text))
                    {
                        _records.Enqueue((text, age));
                    }
                }, _cancel.Token);
            }
            catch (Exception e)
            {
                _failure = e;
            }
        })
        { IsBackground = true, Name = "log source under test" };
        _thread.Start();
    }

    public Exception? Failure => _failure;

    public string[] Lines => [.. _records.Select(r => r.Line)];

    /// <summary>The lines kept so far, each with the age the source handed on (null: not a replay).</summary>
    public (string Line, TimeSpan? Age)[] Records => [.. _records];

    /// <summary>Waits until at least <paramref name="count"/> lines arrived and returns them all.</summary>
    public string[] WaitFor(int count, int timeoutMilliseconds = 5000)
    {
        var clock = Stopwatch.StartNew();
        while (_records.Count < count && clock.ElapsedMilliseconds < timeoutMilliseconds && _thread.IsAlive)
        {
            Thread.Sleep(10);
        }

        Assert.That(_failure, Is.Null);
        return Lines;
    }

    /// <summary>Cancels and returns how long Run took to return.</summary>
    public TimeSpan Stop()
    {
        var clock = Stopwatch.StartNew();
        _cancel.Cancel();
        Assert.That(_thread.Join(5000), Is.True, "Run did not return after cancellation");
        return clock.Elapsed;
    }

    public bool Join(int milliseconds) => _thread.Join(milliseconds);

    public void Dispose()
    {
        _cancel.Cancel();
        _thread.Join(5000);
        _cancel.Dispose();
    }
}
