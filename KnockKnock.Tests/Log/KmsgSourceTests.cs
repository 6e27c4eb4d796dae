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
        Assert.That(runner.Stop(), Is.LessThan(TimeSpan.FromMilliseconds(500)));
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
}
