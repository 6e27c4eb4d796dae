using System.Globalization;
using System.Text;
using KnockKnock.Daemon.Log;
using KnockKnock.Tests.Log;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.EndToEnd;

/// <summary>
/// The daemon on the journal of a real systemd-journald (<see cref="JournaldHarness"/>): it runs
/// unprivileged keeping exactly the group systemd-journal, goes on reading through rotation,
/// vacuum, journald restarts and a journal deleted and made again, and opens nothing for a valid
/// knock forged into the journal by root through /dev/kmsg or by a user through the native protocol.
/// </summary>
[TestFixture]
[Category("Root")]
[NonParallelizable]
public sealed class JournalSourceEndToEndTests
{
    private JournaldHarness _journal = null!;
    private KnockSite _site = null!;

    [SetUp]
    public void SetUp()
    {
        Root.Require();
        _journal = new JournaldHarness();
        try
        {
            _site = new KnockSite("nft", delaySeconds: 3);
        }
        catch
        {
            _journal.Dispose();
            throw;
        }
    }

    [TearDown]
    public void TearDown()
    {
        _site?.Dispose();
        _journal?.Dispose();
    }

    private void KnockOpens(DaemonProcess daemon, string after)
    {
        var sent = _site.ClientKnock(KnockSite.Service);
        Assert.That(daemon.WaitForLine($"(counter {sent.Knock.Counter})", TimeSpan.FromSeconds(10)), Is.Not.Null, $"after {after}:\n{daemon.Output}\njournald:\n{_journal.Log}");
        Assert.That(_site.CanConnect(), Is.True, $"after {after}");
    }

    [Test]
    public void The_daemon_keeps_only_the_group_systemd_journal_and_reads_on_through_rotation_vacuum_restarts_and_a_journal_made_again()
    {
        using var daemon = _site.StartDaemon(journal: _journal);
        var group = Command.Check("getent", "group", JournalSource.Group).Split(':')[2];
        foreach (var task in Directory.GetDirectories($"/proc/{daemon.ProcessId}/task"))
        {
            var groups = File.ReadAllLines(Path.Combine(task, "status")).Single(l => l.StartsWith("Groups:", StringComparison.Ordinal));
            Assert.That(groups["Groups:".Length..].Trim(), Is.EqualTo(group), $"thread {Path.GetFileName(task)}");
        }
        Assert.That(daemon.Output, Does.Contain("log source journal"));
        KnockOpens(daemon, "the start");

        _journal.Rotate();
        KnockOpens(daemon, "a rotation (new files: without the group the reader would go deaf here)");

        _journal.Rotate();
        _journal.Vacuum();
        KnockOpens(daemon, "a vacuum");

        _journal.Stop();
        _journal.Start();
        KnockOpens(daemon, "a journald restart");

        _journal.Wipe();
        Thread.Sleep(1500);
        _journal.Start();
        KnockOpens(daemon, "the journal directory was deleted and made again");
        // sd-journal does not follow a journal directory made again: the source opened the journal anew.
        Assert.That(File.ReadAllText(_site.StatusFile), Does.Match(@"\nlog_counters .*journal reopened [1-9][0-9]* times"));
        Assert.That(daemon.Output, Does.Not.Contain("error"));
    }

    [Test]
    public void A_valid_knock_forged_into_the_journal_through_dev_kmsg_or_the_native_protocol_opens_nothing()
    {
        using var daemon = _site.StartDaemon(journal: _journal);
        // A valid knock that never leaves the client: only its LOG line, forged, could open the port.
        var knock = _site.ClientKnock(KnockSite.Service, dryRun: true).Knock;
        var line = KernelLines.Tcp(src: _site.Net.ClientAddress, dpt: _site.KnockPort().ToString(CultureInfo.InvariantCulture),
            id: knock.Fields.Id.ToString(CultureInfo.InvariantCulture), seq: knock.Fields.Sequence.ToString(CultureInfo.InvariantCulture),
            ack: knock.Fields.Acknowledgment.ToString(CultureInfo.InvariantCulture), window: knock.Fields.Window.ToString(CultureInfo.InvariantCulture))
            .Replace("DST=198.18.1.1", $"DST={_site.Net.ServerAddress}", StringComparison.Ordinal);

        // Root writes to /dev/kmsg: stored as _TRANSPORT=kernel, but with facility 1 (the kernel allows no 0).
        using (var kmsg = new FileStream("/dev/kmsg", FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0))
        {
            kmsg.Write(Encoding.ASCII.GetBytes($"<0>forger: {line}\n"));
        }
        // A user sends through journald's native protocol, claiming the kernel's fields: stored as _TRANSPORT=journal.
        var fields = Path.Combine(_site.Directory, "forged.fields");
        File.WriteAllText(fields, $"MESSAGE={line}\nSYSLOG_FACILITY=0\n_TRANSPORT=kernel\nSYSLOG_IDENTIFIER=kernel\nPRIORITY=4\n");
        File.SetUnixFileMode(fields, (UnixFileMode)0b110_100_100);
        var sent = _journal.Run("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "logger", $"--journald={fields}");
        Assert.That(sent.ExitCode, Is.Zero, sent.ToString());

        // Both are in the journal, as measured: the kernel transport with facility 1, and the journal
        // transport with facility 0 (logger drops the trailing space; the parser does not need it).
        var stored = WaitForEntries(line, 2);
        Assert.That(stored, Has.Some.Contain("_TRANSPORT=kernel\n").And.Contain("SYSLOG_FACILITY=1\n"));
        Assert.That(stored, Has.Some.Contain("_TRANSPORT=journal\n").And.Contain("SYSLOG_FACILITY=0\n"));

        Thread.Sleep(1000);
        Assert.That(daemon.Lines("accepted knock:"), Is.Empty, daemon.Output);
        Assert.That(_site.CanConnect(), Is.False);

        // The daemon reads the journal all the while: the next real knock (next counter) opens.
        KnockOpens(daemon, "the forgeries");
    }

    /// <summary>The journal entries (export format) whose MESSAGE is <paramref name="message"/> with or without its trailing space, once there are <paramref name="count"/>.</summary>
    private string[] WaitForEntries(string message, int count)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        string[] entries = [];
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            var export = _journal.Run("journalctl", "--no-pager", "-o", "export", "MESSAGE=" + message, "MESSAGE=" + message.TrimEnd());
            entries = export.StdOut.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
            if (entries.Length >= count)
            {
                break;
            }
            Thread.Sleep(100);
        }
        Assert.That(entries, Has.Length.EqualTo(count), $"the forged entries reached the journal:\n{string.Join("\n\n", entries)}");
        return entries;
    }
}
