using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace KnockKnock.Tests.Support;

/// <summary>
/// A real <c>knockknock socks</c> started in a namespace on a port the kernel picks (<c>--listen
/// 127.0.0.1:0</c>), with the port read from its first line. Collects its standard error lines;
/// dispose ends it by PID (<c>ip netns exec</c> keeps the PID; the process as started ends its
/// unprivileged copy on SIGTERM).
/// </summary>
internal sealed partial class SocksProxy : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];

    private SocksProxy(Process process)
    {
        _process = process;
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_lines)
                {
                    _lines.Add(e.Data);
                    Monitor.PulseAll(_lines);
                }
            }
        };
        _process.BeginErrorReadLine();
    }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public int Port { get; private set; }

    /// <summary>Everything it logged so far.</summary>
    public string Log
    {
        get
        {
            lock (_lines)
            {
                return string.Join('\n', _lines);
            }
        }
    }

    /// <summary>Starts <c>knockknock socks --listen ADDRESS:0 ARGS</c> in <paramref name="ns"/> and waits for its listening line.</summary>
    public static SocksProxy Start(NetworkNamespace ns, string listen = "127.0.0.1", params string[] args)
    {
        var proxy = new SocksProxy(ns.Start(Binaries.Client, ["socks", "--listen", listen.Contains(':', StringComparison.Ordinal) ? $"[{listen}]:0" : listen + ":0", .. args]));
        try
        {
            var line = proxy.WaitForLine("listening on", TimeSpan.FromSeconds(30));
            proxy.Port = int.Parse(ListeningPort().Match(line).Groups[1].Value, CultureInfo.InvariantCulture);
        }
        catch
        {
            proxy.Dispose();
            throw;
        }
        return proxy;
    }

    /// <summary>The first line that contains <paramref name="text"/>; throws with the log after <paramref name="timeout"/>.</summary>
    public string WaitForLine(string text, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        lock (_lines)
        {
            while (true)
            {
                if (_lines.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal)) is { } line)
                {
                    return line;
                }
                var left = timeout - clock.Elapsed;
                if (left <= TimeSpan.Zero || _process.HasExited)
                {
                    throw new InvalidOperationException($"knockknock socks never logged '{text}' (exited: {_process.HasExited}):\n{string.Join('\n', _lines)}");
                }
                Monitor.Wait(_lines, left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
            }
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _ = Tmds.Linux.LibC.kill(_process.Id, Tmds.Linux.LibC.SIGTERM);
            if (!_process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                _ = Tmds.Linux.LibC.kill(_process.Id, Tmds.Linux.LibC.SIGKILL);
                _process.WaitForExit(TimeSpan.FromSeconds(10));
            }
        }
        _process.Dispose();
    }

    [GeneratedRegex(@"listening on \S*:(\d+);")]
    private static partial Regex ListeningPort();
}
