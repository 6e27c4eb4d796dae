using System.Text;
using KnockKnock.Crypto.Profiles;
using KnockKnock.Crypto.Protocol;
using KnockKnock.Daemon;
using KnockKnock.Daemon.Knocks;
using KnockKnock.Daemon.Log;
using KnockKnock.Daemon.Worker;
using KnockKnock.Tests.Log;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Daemon;

/// <summary>
/// A knock read while the log source catches up on what was logged before the daemon started: it
/// opens within max_knock_age; older, it does not, with one log line saying why, a TooOld count,
/// and its counter used up (in memory) so that a fresh resend of it opens nothing either.
/// </summary>
[TestFixture]
public sealed class KnockAgeTests
{
    private static readonly HostAddress ClientAddress = Addresses.Of("198.18.1.2");

    private sealed class RecordingOpener : IPortOpener
    {
        public List<(string Profile, ulong Counter)> Openings { get; } = [];

        public OpenOutcome TryOpen(string profile, ulong counter, HostAddress source, ushort port, int seconds, out string reason)
        {
            Openings.Add((profile, counter));
            reason = "";
            return OpenOutcome.Opened;
        }
    }

    private TempDirectory _dir = null!;
    private ProfileIndex _index = null!;
    private RecordingOpener _opener = null!;
    private StringWriter _log = null!;
    private KnockProcessor _processor = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = new TempDirectory();
        Profile.Create(_dir.Combine("profiles", "alice"), 7000, PortSet.Parse("22"), bindSource: false, protocol: 1);
        _index = ProfileIndex.Load(_dir.Combine("profiles"), loaded => loaded.ToDictionary(p => p.Name, _ => 0UL));
        _opener = new RecordingOpener();
        _log = new StringWriter();
        _processor = new KnockProcessor(new LogLineParser(), _index, _opener, DaemonLog.ToWriter(_log), delaySeconds: 15, errorWindow: 20)
        {
            MaxKnockAge = TimeSpan.FromSeconds(30),
        };
    }

    [TearDown]
    public void TearDown()
    {
        _index.Dispose();
        _dir.Dispose();
    }

    private byte[] Knock(ulong counter)
    {
        using var profile = Profile.Load(_dir.Combine("profiles", "alice"));
        using var cipher = profile.CreateCipher();
        var f = cipher.Seal(counter, 7000, 22, ClientAddress);
        return Encoding.ASCII.GetBytes(KernelLines.Tcp(src: "198.18.1.2", dpt: "7000", id: f.Id.ToString(), seq: f.Sequence.ToString(), ack: f.Acknowledgment.ToString(), window: f.Window.ToString()));
    }

    [Test]
    public void A_replayed_knock_within_the_bound_opens()
    {
        _processor.Process(Knock(0), TimeSpan.FromSeconds(29.9));
        Assert.That(_opener.Openings, Is.EqualTo(new[] { ("alice", 0UL) }));
        Assert.That(_processor.Statistics.Total(KnockRejection.TooOld), Is.Zero);
    }

    [Test]
    public void A_replayed_knock_past_the_bound_does_not_open_and_says_why()
    {
        var line = Knock(0);
        _processor.Process(line, TimeSpan.FromSeconds(42));
        Assert.That(_opener.Openings, Is.Empty);
        Assert.That(_processor.Statistics.Total(KnockRejection.TooOld), Is.EqualTo(1));
        Assert.That(_processor.Statistics.DescribeTotals(), Is.EqualTo("TooOld=1"));
        Assert.That(_log.ToString(), Is.EqualTo("knockknock-daemon: warning: knock from 198.18.1.2 for profile alice port 22 not opened: it was logged 42.0 s before the daemon read it, while no daemon was reading the log, and max_knock_age is 30 s\n"));

        // Its counter is used up: the same fields sent again now (a live line) open nothing.
        _processor.Process(line);
        Assert.That(_opener.Openings, Is.Empty);
        Assert.That(_processor.Statistics.Total(KnockRejection.BadTag), Is.EqualTo(1));
        // The client's next knock opens.
        _processor.Process(Knock(1), TimeSpan.FromSeconds(1));
        Assert.That(_opener.Openings, Is.EqualTo(new[] { ("alice", 1UL) }));
    }

    [Test]
    public void A_replayed_knock_of_unknown_age_does_not_open()
    {
        _processor.Process(Knock(0), TimeSpan.MaxValue);
        Assert.That(_opener.Openings, Is.Empty);
        Assert.That(_log.ToString(), Does.Contain("not opened: it was logged at a time its log line does not say"));
    }

    [Test]
    public void A_line_logged_while_the_daemon_ran_has_no_age_and_opens()
    {
        _processor.Process(Knock(0), null);
        Assert.That(_opener.Openings, Has.Count.EqualTo(1));
    }
}
