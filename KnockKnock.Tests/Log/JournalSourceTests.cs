using System.Diagnostics;
using System.Globalization;
using System.Text;
using KnockKnock.Daemon.Log;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Log;

/// <summary>
/// The journal source on journal files written by systemd-journal-remote (every field as the test
/// chooses, trusted ones included): which entries count, forgeries, journald's missed-record
/// notices, cursors and resuming, ages. Each test runs the source on its own thread, which opened it.
/// </summary>
[TestFixture]
public sealed class JournalSourceTests
{
    private const string Line = "knockknock: IN=veth0 OUT= MAC=d6:18:76:be:83:20:a6:6c:77:bd:60:aa:08:00 SRC=198.18.1.2 DST=198.18.1.1 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=1 PROTO=TCP SPT=1234 DPT=7000 SEQ=1 ACK=2 WINDOW=3 RES=0x00 SYN URGP=0 ";

    private TempDirectory _dir = null!;
    private string _file = null!;
    private string _boot = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = new TempDirectory();
        _file = _dir.Combine("test.journal");
        _boot = BootId.Current();
    }

    [TearDown]
    public void TearDown() => _dir.Dispose();

    /// <summary>CLOCK_MONOTONIC in µs (Stopwatch's clock on Linux, in ns), the kernel log's own clock.</summary>
    private static long Monotonic => Stopwatch.GetTimestamp() / 1000;

    private Dictionary<string, string> Kernel(string message, params (string, string?)[] overrides) => JournalFile.Kernel(message, _boot, Monotonic, overrides);

    /// <summary>What one run delivers: the lines with their ages, and the source's position after the last one.</summary>
    private sealed record Read(List<(string Line, TimeSpan? Age)> Lines, string? Position, Resumption? Resumed, long Lost);

    /// <summary>
    /// Opens the test file on a fresh thread (from its start, or from its end and then resumed at
    /// <paramref name="resume"/>), runs until <paramref name="count"/> lines came or nothing more
    /// comes for a while, and returns what it read. <paramref name="during"/> runs on the test thread
    /// while the source follows.
    /// </summary>
    private Read Follow(int count, bool fromStart = true, string? resume = null, bool resumes = false, Action? during = null)
    {
        Read? result = null;
        Exception? failure = null;
        using var cancel = new CancellationTokenSource();
        using var opened = new ManualResetEventSlim();
        var thread = new Thread(() =>
        {
            try
            {
                using var source = new JournalSource([_file], fromStart);
                var resumed = resumes ? source.Resume(resume) : null;
                var lines = new List<(string, TimeSpan?)>();
                string? position = null;
                opened.Set();
                source.Run((line, age) =>
                {
                    lines.Add((Encoding.Latin1.GetString(line), age));
                    position = source.Position;
                    if (lines.Count == count)
                    {
                        cancel.Cancel();
                    }
                }, cancel.Token);
                result = new Read(lines, position ?? source.Position, resumed, source.LinesLost);
            }
            catch (Exception e)
            {
                failure = e;
            }
            finally
            {
                opened.Set();
            }
        });
        thread.Start();
        opened.Wait(TimeSpan.FromSeconds(10));
        during?.Invoke();
        if (!thread.Join(TimeSpan.FromSeconds(3)))
        {
            cancel.Cancel();
            Assert.That(thread.Join(TimeSpan.FromSeconds(5)), Is.True, "Run did not return after cancellation");
        }
        Assert.That(failure, Is.Null);
        return result!;
    }

    [Test]
    public void Only_records_the_kernel_logged_with_facility_0_are_handed_on()
    {
        JournalFile.Append(_file,
            Kernel("genuine 1"),
            // A client of the native protocol may claim facility 0 and even _TRANSPORT=kernel; journald stores _TRANSPORT=journal.
            Kernel("forged native", ("_TRANSPORT", "journal")),
            // Root writing to /dev/kmsg gets _TRANSPORT=kernel, but the kernel makes a written facility 0 into 1.
            Kernel("forged kmsg write", ("SYSLOG_FACILITY", "1")),
            Kernel("forged syslog", ("_TRANSPORT", "syslog"), ("SYSLOG_FACILITY", null)),
            Kernel("forged stdout", ("_TRANSPORT", "stdout"), ("SYSLOG_FACILITY", null)),
            Kernel("no facility", ("SYSLOG_FACILITY", null)),
            Kernel("genuine 2"));
        var read = Follow(count: 2);
        Assert.That(read.Lines.Select(l => l.Line), Is.EqualTo(new[] { "genuine 1", "genuine 2" }));
        Assert.That(read.Lines.Select(l => l.Age), Is.All.Null, "read from the start of a file, not resumed: nothing is a replay");
    }

    [Test]
    public void A_LOG_line_is_handed_on_byte_for_byte_with_its_trailing_space()
    {
        JournalFile.Append(_file, Kernel(Line));
        Assert.That(Follow(count: 1).Lines.Single().Line, Is.EqualTo(Line));
    }

    [Test]
    public void Journald_notices_of_missed_kernel_records_count_as_lost_and_forged_ones_do_not()
    {
        const string Missed = "e9bf28e6e834481bb6f48f548ad13606";
        JournalFile.Append(_file,
            Kernel("Missed 7 kernel messages", ("_TRANSPORT", "driver"), ("SYSLOG_FACILITY", null), ("MESSAGE_ID", Missed)),
            Kernel("Missed 1000 kernel messages", ("_TRANSPORT", "journal"), ("MESSAGE_ID", Missed)),
            Kernel("Missed 1000 kernel messages", ("_TRANSPORT", "driver"), ("SYSLOG_FACILITY", null)),
            Kernel("after"));
        var read = Follow(count: 1);
        Assert.That(read.Lines.Select(l => l.Line), Is.EqualTo(new[] { "after" }));
        Assert.That(read.Lost, Is.EqualTo(7));
    }

    [Test]
    public void Appended_entries_are_followed()
    {
        JournalFile.Append(_file, Kernel("before"));
        var read = Follow(count: 2, during: () =>
        {
            Thread.Sleep(300);
            JournalFile.Append(_file, Kernel("appended"));
        });
        Assert.That(read.Lines.Select(l => l.Line), Is.EqualTo(new[] { "before", "appended" }));
    }

    [Test]
    public void A_new_source_resumes_after_the_saved_cursor_and_hands_on_what_came_since_with_its_age()
    {
        JournalFile.Append(_file, Kernel("one"), Kernel("two"));
        var first = Follow(count: 2);
        Assert.That(first.Position, Does.StartWith("journal s="));
        JournalFile.Append(_file, Kernel("three", ("_SOURCE_MONOTONIC_TIMESTAMP", (Monotonic - 60_000_000).ToString(CultureInfo.InvariantCulture))), Kernel("four"));

        var second = Follow(count: 3, fromStart: false, resume: first.Position, resumes: true, during: () =>
        {
            Thread.Sleep(500);
            JournalFile.Append(_file, Kernel("five, while following"));
        });

        Assert.That(second.Resumed, Is.EqualTo(Resumption.Info("resuming the journal after the saved cursor")));
        Assert.That(second.Lines.Select(l => l.Line), Is.EqualTo(new[] { "three", "four", "five, while following" }));
        Assert.That(second.Lines[0].Age!.Value.TotalSeconds, Is.EqualTo(60).Within(5), "the kernel's own timestamp, 60 s ago");
        Assert.That(second.Lines[1].Age!.Value.TotalSeconds, Is.LessThan(5));
        Assert.That(second.Lines[2].Age, Is.Null, "logged after the source caught up");
    }

    [Test]
    public void Without_a_saved_position_it_reads_from_the_end()
    {
        JournalFile.Append(_file, Kernel("old"));
        var read = Follow(count: 1, fromStart: false, resumes: true, during: () =>
        {
            Thread.Sleep(300);
            JournalFile.Append(_file, Kernel("new"));
        });
        Assert.That(read.Resumed!.IsWarning, Is.False);
        Assert.That(read.Lines, Is.EqualTo(new[] { ("new", (TimeSpan?)null) }));
    }

    [TestCase("kmsg 0123456789abcdef0123456789abcdef 5")]
    [TestCase("journal garbage")]
    [TestCase("journal s=0123456789abcdef0123456789abcdef;i=1;b=0123456789abcdef0123456789abcdef;m=1;t=1;x=1;extra=1")]
    public void A_foreign_or_malformed_position_is_a_warning_and_reading_starts_at_the_end(string saved)
    {
        JournalFile.Append(_file, Kernel("old"));
        var read = Follow(count: 1, fromStart: false, resume: saved, resumes: true, during: () =>
        {
            Thread.Sleep(300);
            JournalFile.Append(_file, Kernel("new"));
        });
        Assert.That(read.Resumed!.IsWarning, Is.True, read.Resumed.Message);
        Assert.That(read.Lines.Select(l => l.Line), Is.EqualTo(new[] { "new" }));
    }

    [Test]
    public void A_cursor_beyond_the_end_does_not_hide_later_entries()
    {
        JournalFile.Append(_file, Kernel("one"));
        var first = Follow(count: 1);
        // The same seqnum id, a sequence number far ahead: sd-journal would wait for it for ever.
        var ahead = first.Position!.Replace(";i=1;", ";i=ffffffff;", StringComparison.Ordinal);
        Assert.That(ahead, Is.Not.EqualTo(first.Position));
        var read = Follow(count: 1, fromStart: false, resume: ahead, resumes: true, during: () =>
        {
            Thread.Sleep(300);
            JournalFile.Append(_file, Kernel("new"));
        });
        Assert.That(read.Lines.Select(l => l.Line), Is.EqualTo(new[] { "new" }));
    }

    [Test]
    public void An_entry_of_another_boot_gets_its_age_from_the_time_it_was_received()
    {
        JournalFile.Append(_file, Kernel("one"));
        var first = Follow(count: 1);
        var hourAgo = (DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds() * 1000).ToString(CultureInfo.InvariantCulture);
        JournalFile.Append(_file, Kernel("earlier boot", ("_BOOT_ID", "0123456789abcdef0123456789abcdef"), ("__REALTIME_TIMESTAMP", hourAgo)));
        var read = Follow(count: 1, fromStart: false, resume: first.Position, resumes: true);
        Assert.That(read.Lines.Single().Line, Is.EqualTo("earlier boot"));
        Assert.That(read.Lines.Single().Age!.Value.TotalMinutes, Is.EqualTo(60).Within(1));
    }

    [Test]
    public void Position_Resume_and_Run_refuse_another_thread()
    {
        JournalFile.Append(_file, Kernel("one"));
        using var source = new JournalSource([_file], fromStart: true);
        Assert.That(OnAnotherThread(() => source.Run((_, _) => { }, CancellationToken.None)), Is.InstanceOf<InvalidOperationException>());
        Assert.That(OnAnotherThread(() => _ = source.Position), Is.InstanceOf<InvalidOperationException>());
        Assert.That(OnAnotherThread(() => source.Resume(null)), Is.InstanceOf<InvalidOperationException>());
    }

    private static Exception? OnAnotherThread(Action action)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                action();
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        return failure;
    }

    [Test]
    public void Dispose_from_another_thread_stops_Run()
    {
        JournalFile.Append(_file, Kernel("one"));
        JournalSource? source = null;
        using var opened = new ManualResetEventSlim();
        var thread = new Thread(() =>
        {
            source = new JournalSource([_file], fromStart: true);
            opened.Set();
            source.Run((_, _) => { }, CancellationToken.None);
        });
        thread.Start();
        opened.Wait();
        Thread.Sleep(200);
        source!.Dispose();
        Assert.That(thread.Join(TimeSpan.FromSeconds(2)), Is.True, "Dispose wakes the wait");
    }
}
