using System.Diagnostics;
using KnockKnock.Tests.Support;
using Tmds.Linux;

namespace KnockKnock.Tests.EndToEnd;

/// <summary>
/// No knock lost across a restart (DESIGN.md invariant 10), for each log source: a knock sent while
/// no daemon runs (a reload: SIGHUP, exit 75, a fresh daemon) opens when the next daemon starts,
/// which resumes where the last one stopped; one older than max_knock_age does not open, and the
/// log and <c>status</c> say why.
/// </summary>
[TestFixture("kmsg")]
[TestFixture("journal")]
[TestFixture("file")]
[Category("Root")]
[NonParallelizable]
public sealed class KnockDuringRestartTests(string source)
{
    private JournaldHarness? _journal;
    private KnockSite _site = null!;
    private KernelLogForwarder? _forwarder;

    [SetUp]
    public void SetUp()
    {
        Root.Require();
        _journal = source == "journal" ? new JournaldHarness() : null;
        try
        {
            _site = new KnockSite("nft", delaySeconds: 20);
            _forwarder = source == "file" ? new KernelLogForwarder(_site.LogFile, _site.IsOurLogLine) : null;
        }
        catch
        {
            _journal?.Dispose();
            throw;
        }
    }

    [TearDown]
    public void TearDown()
    {
        _forwarder?.Dispose();
        _site?.Dispose();
        _journal?.Dispose();
    }

    private DaemonProcess Start() => _site.StartDaemon(fileSource: source == "file", journal: _journal);

    /// <summary>The line a resumed daemon logs at start for this source.</summary>
    private string ResumeLine => source switch
    {
        "kmsg" => "resuming /dev/kmsg after kernel record ",
        "journal" => "resuming the journal after the saved cursor",
        _ => $"resuming {_site.LogFile} at byte ",
    };

    [Test]
    public void A_knock_sent_during_a_reload_opens_when_the_fresh_daemon_starts()
    {
        var old = Start();
        Assert.That(old.Signal(LibC.SIGHUP, "HUP"), Is.EqualTo(ExitCodes.Reload), old.Output);

        var sent = _site.ClientKnock(KnockSite.Service);
        // Long enough for the LOG line to be in the log (journald, the forwarder) before the daemon starts.
        Thread.Sleep(1000);
        using var fresh = Start();

        Assert.That(fresh.Lines(ResumeLine), Has.Count.EqualTo(1), fresh.Output);
        Assert.That(fresh.WaitForLine($"(counter {sent.Knock.Counter})", TimeSpan.FromSeconds(10)), Is.Not.Null, fresh.Output);
        Assert.That(fresh.Lines("accepted knock:").Single().Text, Does.Contain("port 2222 open for 20 s"));
        Assert.That(_site.CanConnect(), Is.True, "the knock sent while no daemon ran opened the port");
    }

    [Test]
    public void A_knock_sent_after_a_crash_opens_when_the_daemon_starts_again()
    {
        var crashed = Start();
        // SIGKILL to worker and daemon: no last save; the position saved when it started is what is left.
        crashed.Kill();

        var sent = _site.ClientKnock(KnockSite.Service);
        Thread.Sleep(1000);
        using var fresh = Start();

        Assert.That(fresh.WaitForLine($"(counter {sent.Knock.Counter})", TimeSpan.FromSeconds(10)), Is.Not.Null, fresh.Output);
        Assert.That(_site.CanConnect(), Is.True);
    }

    [Test]
    public void A_knock_older_than_max_knock_age_does_not_open_after_a_restart_and_the_log_and_status_say_why()
    {
        _site.AddConfig("max_knock_age = 3");
        var old = Start();
        Assert.That(old.Stop(), Is.Zero, old.Output);

        _site.ClientKnock(KnockSite.Service);
        Thread.Sleep(4500);
        using var fresh = Start();

        Assert.That(fresh.Lines(ResumeLine), Has.Count.EqualTo(1), fresh.Output);
        var line = fresh.WaitForLine("not opened: it was logged", TimeSpan.FromSeconds(10));
        Assert.That(line, Is.Not.Null, fresh.Output);
        Assert.That(line!.Text, Does.Match(@"^knockknock-daemon: warning: knock from 198\.18\.\d+\.2 for profile alpha port 2222 not opened: it was logged \d+\.\d s before the daemon read it, while no daemon was reading the log, and max_knock_age is 3 s$"));
        Assert.That(_site.CanConnect(), Is.False, "the old knock opened nothing");
        Assert.That(fresh.Lines("accepted knock:"), Is.Empty);
        // Other tests' knock lines that the journal or the ring still holds may be counted beside it.
        Assert.That(WaitForStatus("TooOld=1"), Does.Match(@"\nrejected_by_reason ([A-Za-z]+=[0-9]+, )*TooOld=1(, |\n)"));

        var next = _site.ClientKnock(KnockSite.Service);
        Assert.That(fresh.WaitForLine($"(counter {next.Knock.Counter})", TimeSpan.FromSeconds(10)), Is.Not.Null, fresh.Output);
        Assert.That(_site.CanConnect(), Is.True, "the next knock opens");
    }

    private string WaitForStatus(string text)
    {
        var clock = Stopwatch.StartNew();
        var status = "";
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            status = File.Exists(_site.StatusFile) ? File.ReadAllText(_site.StatusFile) : "";
            if (status.Contains(text, StringComparison.Ordinal))
            {
                break;
            }
            Thread.Sleep(100);
        }
        return status;
    }
}
