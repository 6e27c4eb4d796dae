using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using KnockKnock.Daemon.Log;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Log;

/// <summary>
/// A signal that lands on the thread running a log source interrupts its blocking call with EINTR
/// (poll(2) is never restarted, whatever SA_RESTART says). The source must retry, not fail: the
/// daemon once died on SIGTERM with "poll(/dev/kmsg) failed: Resource temporarily unavailable"
/// because it read a stale errno after poll.
/// </summary>
[TestFixture]
public sealed class SignalInterruptionTests
{
    private const int Signals = 250;

    // SIGWINCH: ignored by default, so it interrupts a system call only once a handler is installed,
    // which the registration in each test does (the runtime's handler then forwards it to managed code).
    private const int SIGWINCH = 28;

    // Plain DllImports: the test project does not allow the unsafe code LibraryImport generates.
    [DllImport("libc", EntryPoint = "tgkill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int TgKill(int tgid, int tid, int sig);

    [DllImport("libc", EntryPoint = "gettid")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int GetTid();

    [Test]
    [Category("Root")]
    public void Kmsg_source_keeps_reading_through_signals_and_stops_on_cancellation()
    {
        Root.Require();
        var marker = Guid.NewGuid().ToString("N");
        using var source = new KmsgSource(includeUserspaceRecords: true);
        var lines = InterruptWhileRunning(source, marker, write: message =>
        {
            using var kmsg = new FileStream(KmsgSource.DevicePath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
            kmsg.Write(Encoding.ASCII.GetBytes("<4>" + message + "\n"));
        });
        Assert.That(lines, Is.EqualTo(Expected(marker)));
    }

    [Test]
    public void File_source_keeps_reading_through_signals_and_stops_on_cancellation()
    {
        var dir = Directory.CreateTempSubdirectory("knockknock-signals-").FullName;
        try
        {
            var path = Path.Combine(dir, "kern.log");
            File.WriteAllText(path, "");
            var marker = Guid.NewGuid().ToString("N");
            using var source = new FileSource(path);
            var lines = InterruptWhileRunning(source, marker, write: message =>
                File.AppendAllText(path, $"Nov 22 13:58:01 host kernel: [ 1234.5678] {message}\n", Encoding.ASCII));
            Assert.That(lines, Is.EqualTo(Expected(marker)));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string[] Expected(string marker) =>
        [.. Enumerable.Range(0, Signals / 10).Select(i => $"knockknock: line {i} {marker}")];

    /// <summary>
    /// Runs <paramref name="source"/> on its own thread, sends that thread <see cref="Signals"/>
    /// signals with tgkill(2) while writing a line every tenth one, then cancels; Run must return
    /// normally. Returns the marked lines delivered.
    /// </summary>
    private static string[] InterruptWhileRunning(ILogSource source, string marker, Action<string> write)
    {
        using var handler = PosixSignalRegistration.Create(PosixSignal.SIGWINCH, _ => { });
        var delivered = new ConcurrentQueue<string>();
        using var cancel = new CancellationTokenSource();
        Exception? failure = null;
        var tid = 0;
        using var started = new ManualResetEventSlim();
        var thread = new Thread(() =>
        {
            Volatile.Write(ref tid, GetTid());
            started.Set();
            try
            {
                source.Run(
                    (line, _) =>
                    {
                        var text = Encoding.Latin1.GetString(line);
                        if (text.Contains(marker, StringComparison.Ordinal))
                        {
                            delivered.Enqueue(text);
                        }
                    },
                    cancel.Token);
            }
            catch (Exception e)
            {
                failure = e;
            }
        })
        { IsBackground = true, Name = "log source under signals" };
        thread.Start();
        Assert.That(started.Wait(5000), Is.True);
        // Let the loop reach its blocking call before the first signal.
        Thread.Sleep(150);

        for (var i = 0; i < Signals; i++)
        {
            Assert.That(thread.IsAlive, Is.True, $"Run returned after {i} signals: {failure}");
            Assert.That(TgKill(Environment.ProcessId, Volatile.Read(ref tid), SIGWINCH), Is.Zero, $"tgkill: errno {Marshal.GetLastPInvokeError()}");
            if (i % 10 == 0)
            {
                write($"knockknock: line {i / 10} {marker}");
            }
            Thread.Sleep(i % 3);
        }

        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (delivered.Count < Signals / 10 && DateTime.UtcNow < deadline && thread.IsAlive)
        {
            Thread.Sleep(10);
        }

        cancel.Cancel();
        Assert.That(thread.Join(5000), Is.True, "Run did not return after cancellation");
        Assert.That(failure, Is.Null);
        return [.. delivered];
    }
}
