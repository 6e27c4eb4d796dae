using System.Globalization;
using System.Text;

namespace KnockKnock.Tests.Support;

/// <summary>
/// Plays syslogd for the daemon's file source: tails /dev/kmsg (from the moment it is made) and
/// appends each kernel record that <paramref name="select"/> picks to a file, in the traditional
/// syslog shape <c>Nov 22 14:00:00 host kernel: [ 123.456789] MESSAGE</c>, stamped with the local
/// time at which it forwards the record, as syslogd does (a daemon catching up after a restart reads
/// the lines' age from it). Tests may append their own raw bytes to the same file through
/// <see cref="AppendRaw"/> (writes are serialised).
/// </summary>
internal sealed class KernelLogForwarder : IDisposable
{
    public const string Header = "Nov 22 14:00:00 host kernel: [ 123.456789] ";

    private readonly string _path;
    private readonly Func<string, bool> _select;
    private readonly KernelLogTail _tail = new();
    private readonly Thread _thread;
    private readonly object _writeLock = new();
    private volatile bool _stop;
    private int _forwarded;

    public KernelLogForwarder(string path, Func<string, bool> select)
    {
        _path = path;
        _select = select;
        _thread = new Thread(Loop) { IsBackground = true, Name = "kmsg-forwarder" };
        _thread.Start();
    }

    /// <summary>Records forwarded so far.</summary>
    public int Forwarded => Volatile.Read(ref _forwarded);

    /// <summary>Appends bytes as they are (the caller supplies headers and newlines).</summary>
    public void AppendRaw(byte[] bytes)
    {
        lock (_writeLock)
        {
            using var file = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
            file.Write(bytes);
        }
    }

    private void Loop()
    {
        while (!_stop)
        {
            _ = _tail.WaitFor(
                text =>
                {
                    if (_select(text))
                    {
                        var now = DateTime.Now;
                        AppendRaw(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{now:MMM} {now.Day,2} {now:HH:mm:ss} host kernel: [ 123.456789] {text}\n")));
                        Interlocked.Increment(ref _forwarded);
                    }
                    return _stop;
                },
                TimeSpan.FromMilliseconds(200));
        }
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join(TimeSpan.FromSeconds(10));
        _tail.Dispose();
    }
}
