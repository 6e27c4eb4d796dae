using System.Text;
using KnockKnock.Daemon.Log;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Log;

/// <summary>Reading the real /dev/kmsg; writing a record to it needs root.</summary>
[TestFixture]
[Category("Root")]
public sealed class KmsgSourceTests
{
    /// <summary>
    /// Writes one record. The newline matters: the kernel finalizes a record (makes it readable, and
    /// counts it before the end that SEEK_END picks) only once it ends in a newline or a later record
    /// starts; netfilter's LOG lines always end in one.
    /// </summary>
    private static void Inject(string message)
    {
        using var kmsg = new FileStream(KmsgSource.DevicePath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        kmsg.Write(Encoding.ASCII.GetBytes("<4>" + message + "\n"));
    }

    [Test]
    public void Delivers_a_new_record_stripped_and_nothing_from_before_it_was_opened()
    {
        Root.Require();
        var marker = Guid.NewGuid().ToString("N");
        Inject($"knockknock: before {marker}");
        using var source = new KmsgSource(includeUserspaceRecords: true);
        using var runner = new SourceRunner(source, line => line.Contains(marker, StringComparison.Ordinal));
        Inject($"knockknock: SRC=198.18.1.2 after {marker}");
        Assert.That(runner.WaitFor(1), Is.EqualTo(new[] { $"knockknock: SRC=198.18.1.2 after {marker}" }));
        Thread.Sleep(200);
        Assert.That(runner.Lines, Has.Length.EqualTo(1));
    }

    [Test]
    public void A_ring_buffer_overrun_is_counted_and_reading_goes_on()
    {
        Root.Require();
        var marker = Guid.NewGuid().ToString("N");
        using var source = new KmsgSource(includeUserspaceRecords: true);
        // Not read yet: writing more than the whole ring (klogctl SIZE_BUFFER; 128 KiB here) wraps it
        // past our position, so the next read(2) fails with EPIPE. Writes by processes are rate
        // limited unless kernel.printk_devkmsg is "on"; it is restored afterwards.
        var setting = Command.Check("sysctl", "-n", "kernel.printk_devkmsg").Trim();
        Command.Check("sysctl", "-qw", "kernel.printk_devkmsg=on");
        try
        {
            using var kmsg = new FileStream(KmsgSource.DevicePath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
            var filler = Encoding.ASCII.GetBytes("<7>knockknock-test: ring filler " + new string('x', 900) + "\n");
            for (var written = 0; written < 4 * 1024 * 1024; written += filler.Length)
            {
                kmsg.Write(filler);
            }
        }
        finally
        {
            Command.Check("sysctl", "-qw", $"kernel.printk_devkmsg={setting}");
        }
        using var runner = new SourceRunner(source, line => line.Contains(marker, StringComparison.Ordinal));
        Inject($"knockknock: after the overrun {marker}");
        Assert.That(runner.WaitFor(1), Is.EqualTo(new[] { $"knockknock: after the overrun {marker}" }));
        Assert.That(source.Overruns, Is.GreaterThanOrEqualTo(1));
    }

    [Test]
    public void Records_written_by_processes_are_skipped_by_default()
    {
        Root.Require();
        var marker = Guid.NewGuid().ToString("N");
        using var source = new KmsgSource();
        using var runner = new SourceRunner(source, line => line.Contains(marker, StringComparison.Ordinal));
        // "<0>" asks for facility 0, but the kernel gives written records LOG_USER whatever they ask.
        Inject($"knockknock: forged {marker}");
        using (var kmsg = new FileStream(KmsgSource.DevicePath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0))
        {
            kmsg.Write(Encoding.ASCII.GetBytes($"<0>knockknock: forged-kern {marker}\n"));
        }

        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (source.UserspaceRecords < 2 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(20);
        }

        Assert.That(source.UserspaceRecords, Is.GreaterThanOrEqualTo(2));
        Assert.That(runner.Lines, Is.Empty);
    }

    [Test]
    public void Cancellation_and_Dispose_wake_a_blocked_read()
    {
        Root.Require();
        using var source = new KmsgSource();
        var runner = new SourceRunner(source);
        Thread.Sleep(300);
        // Far less than never, with room for a loaded machine: the read waits 100 ms at a time.
        Assert.That(runner.Stop(), Is.LessThan(TimeSpan.FromSeconds(2)));
        Assert.That(runner.Failure, Is.Null);
        runner.Dispose();

        var second = new KmsgSource();
        using var runner2 = new SourceRunner(second);
        Thread.Sleep(300);
        second.Dispose();
        Assert.That(runner2.Join(500), Is.True);
        Assert.That(runner2.Failure, Is.Null);
        Assert.That(() => second.Run((_, _) => { }, CancellationToken.None), Throws.InstanceOf<ObjectDisposedException>());
    }

    [Test]
    public void Resuming_reads_what_was_logged_after_the_saved_record_with_its_age_then_new_records_without()
    {
        Root.Require();
        var marker = Guid.NewGuid().ToString("N");
        string saved;
        using (var stopped = new KmsgSource(includeUserspaceRecords: true))
        {
            saved = stopped.Position!;
        }
        Inject($"knockknock: while stopped 1 {marker}");
        Inject($"knockknock: while stopped 2 {marker}");
        using var source = new KmsgSource(includeUserspaceRecords: true);
        var resumed = source.Resume(saved);
        Assert.That(resumed.IsWarning, Is.False);
        Assert.That(resumed.Message, Does.Match(@"^resuming /dev/kmsg after kernel record \d+ \(\d+ logged since\)$"));
        using var runner = new SourceRunner(source, line => line.Contains(marker, StringComparison.Ordinal));
        Assert.That(runner.WaitFor(2), Has.Length.EqualTo(2));
        Thread.Sleep(300);
        Inject($"knockknock: after the start {marker}");
        var records = runner.WaitFor(3).Length == 3 ? runner.Records : [];
        Assert.That(records.Select(r => r.Line), Is.EqualTo(new[] { $"knockknock: while stopped 1 {marker}", $"knockknock: while stopped 2 {marker}", $"knockknock: after the start {marker}" }));
        Assert.That(records[0].Age, Is.Not.Null.And.LessThan(TimeSpan.FromSeconds(5)));
        Assert.That(records[1].Age, Is.Not.Null);
        Assert.That(records[2].Age, Is.Null, "logged after the source caught up");
        Assert.That(source.MissedWhileStopped, Is.Zero);
    }

    [Test]
    public void Its_position_is_the_boot_and_the_last_record_read()
    {
        Root.Require();
        using var source = new KmsgSource(includeUserspaceRecords: true);
        Assert.That(KmsgPosition.TryParse(source.Position!, out var before), Is.True, source.Position);
        Assert.That(before.BootId, Is.EqualTo(BootId.Current()));
        var marker = Guid.NewGuid().ToString("N");
        using var runner = new SourceRunner(source, line => line.Contains(marker, StringComparison.Ordinal));
        Inject($"knockknock: {marker}");
        runner.WaitFor(1);
        runner.Stop();
        Assert.That(KmsgPosition.TryParse(source.Position!, out var after), Is.True);
        Assert.That(after.Sequence, Is.GreaterThan(before.Sequence));
    }

    [Test]
    public void A_position_of_an_earlier_boot_reads_this_boots_ring_from_its_start()
    {
        Root.Require();
        var marker = Guid.NewGuid().ToString("N");
        Inject($"knockknock: already in the ring {marker}");
        using var source = new KmsgSource(includeUserspaceRecords: true);
        var resumed = source.Resume("kmsg 0123456789abcdef0123456789abcdef 99");
        Assert.That(resumed, Is.EqualTo(Resumption.Info("the saved log position is of an earlier boot: reading this boot's kernel records from the start of the ring")));
        using var runner = new SourceRunner(source, line => line.Contains(marker, StringComparison.Ordinal));
        Assert.That(runner.WaitFor(1), Is.EqualTo(new[] { $"knockknock: already in the ring {marker}" }));
        Assert.That(runner.Records.Single().Age, Is.Not.Null);
    }

    [Test]
    public void Records_the_ring_overwrote_after_the_saved_one_are_counted_as_lost()
    {
        Root.Require();
        using var source = new KmsgSource(includeUserspaceRecords: true);
        // Record 0 is the first of the boot; the ring has long dropped it on a machine that ran anything.
        Assert.That(source.Resume($"kmsg {BootId.Current()} 0").IsWarning, Is.False);
        string? first = null;
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        source.Run((_, _) =>
        {
            first ??= source.Position;
            cancel.Cancel();
        }, cancel.Token);
        Assert.That(KmsgPosition.TryParse(first!, out var position), Is.True);
        Assert.That(source.MissedWhileStopped, Is.EqualTo(position.Sequence - 1));
        Assert.That(source.LinesLost, Is.GreaterThanOrEqualTo(source.MissedWhileStopped));
    }

    [TestCase("garbage", true)]
    [TestCase("file 0123456789abcdef 1 2 0123456789abcdef", true)]
    [TestCase(null, false)]
    public void Without_a_usable_position_it_reads_from_the_end(string? saved, bool warns)
    {
        Root.Require();
        var marker = Guid.NewGuid().ToString("N");
        Inject($"knockknock: before {marker}");
        using var source = new KmsgSource(includeUserspaceRecords: true);
        Assert.That(source.Resume(saved).IsWarning, Is.EqualTo(warns));
        using var runner = new SourceRunner(source, line => line.Contains(marker, StringComparison.Ordinal));
        Inject($"knockknock: after {marker}");
        Assert.That(runner.WaitFor(1), Is.EqualTo(new[] { $"knockknock: after {marker}" }));
        Thread.Sleep(200);
        Assert.That(runner.Records, Is.EqualTo(new[] { ($"knockknock: after {marker}", (TimeSpan?)null) }));
    }

    [Test]
    public void A_position_beyond_the_last_record_is_a_warning()
    {
        Root.Require();
        using var source = new KmsgSource();
        var resumed = source.Resume($"kmsg {BootId.Current()} {ulong.MaxValue}");
        Assert.That(resumed.IsWarning, Is.True);
        Assert.That(resumed.Message, Does.Contain("lies beyond the last kernel record"));
    }
}
