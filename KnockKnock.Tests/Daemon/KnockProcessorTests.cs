using System.Text;
using KnockKnock.Crypto.Counters;
using KnockKnock.Crypto.Profiles;
using KnockKnock.Crypto.Protocol;
using KnockKnock.Daemon;
using KnockKnock.Daemon.Commands;
using KnockKnock.Daemon.Host;
using KnockKnock.Daemon.Knocks;
using KnockKnock.Daemon.Log;
using KnockKnock.Tests.Log;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Daemon;

/// <summary>The daemon's per-line path with a recording opener: what opens, what does not, and what is stored first.</summary>
[TestFixture]
public sealed class KnockProcessorTests
{
    private const string Client = "198.18.1.2";
    private static readonly HostAddress ClientAddress = Addresses.Of("198.18.1.2");

    private sealed class RecordingOpener(Func<string>? counterAtOpen = null) : IPortOpener
    {
        public List<(HostAddress Source, ushort Port, int Seconds, string CounterAtOpen)> Openings { get; } = [];

        public bool Fail { get; set; }

        public bool TryOpen(HostAddress source, ushort port, int seconds, out string error)
        {
            Openings.Add((source, port, seconds, counterAtOpen?.Invoke() ?? ""));
            error = Fail ? "nft failed" : "";
            return !Fail;
        }
    }

    private TempDirectory _dir = null!;
    private ProfileIndex _index = null!;
    private RecordingOpener _opener = null!;
    private KnockProcessor _processor = null!;
    private StringWriter _log = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = new TempDirectory();
        Profile.Create(_dir.Combine("profiles", "alice"), 7000, PortSet.Parse("22,2222"), bindSource: false);
        Profile.Create(_dir.Combine("profiles", "bob"), 7001, PortSet.All, bindSource: true);
        var uid = Tmds.Linux.LibC.geteuid();
        _index = ProfileIndex.Load(_dir.Combine("profiles"), _dir.Path, uid, Tmds.Linux.LibC.getegid());
        _opener = new RecordingOpener(() => File.ReadAllText(_dir.Combine("alice", "counter")).Trim());
        _log = new StringWriter();
        _processor = new KnockProcessor(new LogLineParser(), _index, _opener, DaemonLog.ToWriter(_log), delaySeconds: 15, errorWindow: 20);
    }

    [TearDown]
    public void TearDown()
    {
        _index.Dispose();
        _dir.Dispose();
    }

    private static string Line(KnockFields f, ushort knockPort, string source = Client) =>
        KernelLines.Tcp(src: source, dpt: knockPort.ToString(), id: f.Id.ToString(), seq: f.Sequence.ToString(), ack: f.Acknowledgment.ToString(), window: f.Window.ToString());

    private KnockFields Seal(string profile, ulong counter, ushort port, HostAddress? source = null)
    {
        using var p = Profile.Load(_dir.Combine("profiles", profile));
        using var cipher = p.CreateCipher();
        return cipher.Seal(counter, p.KnockPort, port, source ?? ClientAddress);
    }

    private void Feed(string line) => _processor.Process(Encoding.ASCII.GetBytes(line));

    [Test]
    public void A_valid_knock_opens_its_port_for_its_source_after_storing_the_next_counter()
    {
        Feed(Line(Seal("alice", 0, 2222), 7000));
        Assert.That(_opener.Openings, Is.EqualTo(new[] { (ClientAddress, (ushort)2222, 15, "1") }));
        Assert.That(_log.ToString(), Does.Contain("accepted knock: profile alice, source 198.18.1.2, port 2222"));
        Assert.That(_processor.Statistics.Accepted, Is.EqualTo(1));
    }

    [Test]
    public void Replaying_the_same_line_opens_nothing_the_second_time()
    {
        var line = Line(Seal("alice", 3, 22), 7000);
        Feed(line);
        Feed(line);
        Assert.That(_opener.Openings, Has.Count.EqualTo(1));
        Assert.That(_processor.Statistics.Total(KnockRejection.BadTag), Is.EqualTo(1));
    }

    [Test]
    public void A_knock_for_profile_a_sent_to_profile_bs_knock_port_opens_nothing()
    {
        var fields = Seal("alice", 0, 22);
        Feed(Line(fields, 7001));
        Assert.That(_opener.Openings, Is.Empty);
        Assert.That(_processor.Statistics.Total(KnockRejection.BadTag), Is.EqualTo(1));
    }

    [Test]
    public void A_port_outside_the_profiles_allowed_ports_opens_nothing_but_consumes_the_counter()
    {
        Feed(Line(Seal("alice", 0, 443), 7000));
        Assert.That(_opener.Openings, Is.Empty);
        Assert.That(_processor.Statistics.Total(KnockRejection.PortNotAllowed), Is.EqualTo(1));
        Assert.That(File.ReadAllText(_dir.Combine("alice", "counter")), Is.EqualTo("1\n"));
    }

    [Test]
    public void A_bound_profile_rejects_its_knock_from_another_source()
    {
        Feed(Line(Seal("bob", 0, 22), 7001, source: "198.18.9.9"));
        Assert.That(_opener.Openings, Is.Empty);
        Feed(Line(Seal("bob", 0, 22), 7001));
        Assert.That(_opener.Openings, Has.Count.EqualTo(1));
    }

    [Test]
    public void Unknown_knock_ports_and_other_kernel_lines_open_nothing()
    {
        Feed(Line(Seal("alice", 0, 22), 7005));
        Feed("usb 1-1: new high-speed USB device number 2");
        Assert.That(_opener.Openings, Is.Empty);
        Assert.That(_processor.Statistics.Total(KnockRejection.UnknownKnockPort), Is.EqualTo(1));
        Assert.That(_processor.Statistics.Rejected, Is.EqualTo(1), "non-prefixed lines are not knocks");
    }

    [Test]
    public void A_failed_opening_is_logged_and_counted_and_the_counter_stays_consumed()
    {
        _opener.Fail = true;
        Feed(Line(Seal("alice", 0, 22), 7000));
        Assert.That(_processor.Statistics.Total(KnockRejection.OpenFailed), Is.EqualTo(1));
        Assert.That(_log.ToString(), Does.Contain("opening failed: nft failed"));
        Assert.That(File.ReadAllText(_dir.Combine("alice", "counter")), Is.EqualTo("1\n"));
    }

    [Test]
    public void Knocks_after_lost_ones_within_the_window_open_and_move_the_counter_past_them()
    {
        Feed(Line(Seal("alice", 5, 22), 7000));
        Feed(Line(Seal("alice", 3, 22), 7000));
        Assert.That(_opener.Openings, Has.Count.EqualTo(1));
        Assert.That(File.ReadAllText(_dir.Combine("alice", "counter")), Is.EqualTo("6\n"));
    }

    [Test]
    public void The_state_counter_is_seeded_from_the_profile_and_takes_the_larger_of_the_two_at_start()
    {
        Assert.That(File.ReadAllText(_dir.Combine("alice", "counter")), Is.EqualTo("0\n"));
        _index.Dispose();
        File.WriteAllText(_dir.Combine("profiles", "alice", "counter"), "40\n");
        using (var index = ProfileIndex.Load(_dir.Combine("profiles"), _dir.Path, Tmds.Linux.LibC.geteuid(), Tmds.Linux.LibC.getegid()))
        {
            Assert.That(index.Find(7000)!.NextCounter, Is.EqualTo(40UL), "a raised profile counter moves the state forward");
        }

        // The other way round: lowering the profile's counter must never reopen knocks already used.
        File.WriteAllText(_dir.Combine("alice", "counter"), "50\n");
        using (var index = ProfileIndex.Load(_dir.Combine("profiles"), _dir.Path, Tmds.Linux.LibC.geteuid(), Tmds.Linux.LibC.getegid()))
        {
            Assert.That(index.Find(7000)!.NextCounter, Is.EqualTo(50UL), "the state counter is ahead and stays");
        }
        Assert.That(File.ReadAllText(_dir.Combine("alice", "counter")), Is.EqualTo("50\n"));
        _index = ProfileIndex.Load(_dir.Combine("profiles"), _dir.Path, Tmds.Linux.LibC.geteuid(), Tmds.Linux.LibC.getegid());
    }

    [Test]
    public void Two_profiles_on_one_knock_port_are_a_start_up_error()
    {
        File.WriteAllText(_dir.Combine("profiles", "bob", "config"), "[profile]\nknock_port = 7000\n");
        var error = Assert.Throws<KnockKnockException>(() => ProfileIndex.Load(_dir.Combine("profiles"), _dir.Path, Tmds.Linux.LibC.geteuid(), Tmds.Linux.LibC.getegid()))!;
        Assert.That(error.Message, Is.EqualTo("profiles 'alice' and 'bob' both use knock port 7000: give one of them another port"));
    }

    [Test]
    public void Ten_thousand_hostile_lines_crash_nothing_and_open_nothing()
    {
        var random = new Random(4);
        var valid = Line(Seal("alice", 0, 22), 7000);
        var processed = 0;
        for (var i = 0; i < 10_000; i++)
        {
            var bytes = Encoding.ASCII.GetBytes(valid);
            for (var j = random.Next(1, 4); j > 0; j--)
            {
                // Keep the prefix: a line without it is not a knock line and is not even counted.
                bytes[random.Next("knockknock: ".Length, bytes.Length)] = (byte)random.Next(0, 256);
            }
            if (bytes.AsSpan().SequenceEqual(Encoding.ASCII.GetBytes(valid)))
            {
                continue;
            }
            _processor.Process(bytes);
            processed++;
        }
        // A mutation may leave the knock's own fields intact (e.g. it changed TTL); those may open
        // once, for the genuine counter. Nothing else may open.
        Assert.That(_opener.Openings.Count, Is.LessThanOrEqualTo(1));
        Assert.That(_processor.Statistics.Rejected + _processor.Statistics.Accepted, Is.EqualTo(processed), "every line is counted");
    }

    [Test]
    public void Processing_a_bogus_knock_line_allocates_nothing()
    {
        var bogus = Encoding.ASCII.GetBytes(KernelLines.Tcp(dpt: "7000"));
        _processor.Process(bogus);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            _processor.Process(bogus);
        }
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }
}
