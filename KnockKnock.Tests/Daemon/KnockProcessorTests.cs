using System.Text;
using KnockKnock.Crypto.Counters;
using KnockKnock.Crypto.Profiles;
using KnockKnock.Crypto.Protocol;
using KnockKnock.Daemon;
using KnockKnock.Daemon.Commands;
using KnockKnock.Daemon.Host;
using KnockKnock.Daemon.Knocks;
using KnockKnock.Daemon.Log;
using KnockKnock.Daemon.Worker;
using KnockKnock.Tests.Log;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Daemon;

/// <summary>The daemon's per-line path with a recording opener: what opens, what does not, and what is stored first.</summary>
[TestFixture]
public sealed class KnockProcessorTests
{
    private const string Client = "198.18.1.2";
    private static readonly HostAddress ClientAddress = Addresses.Of("198.18.1.2");

    private sealed class RecordingOpener : IPortOpener
    {
        /// <summary>When set, TryOpen throws it: a bug below the processor.</summary>
        public Exception? Throw { get; set; }

        public List<(string Profile, ulong Counter, HostAddress Source, ushort Port, int Seconds)> Openings { get; } = [];

        /// <summary>What the worker answers (and why, when it does not open).</summary>
        public (OpenOutcome Outcome, string Reason) Answer { get; set; } = (OpenOutcome.Opened, "");

        public OpenOutcome TryOpen(string profile, ulong counter, HostAddress source, ushort port, int seconds, out string reason)
        {
            if (Throw is not null)
            {
                throw Throw;
            }
            if (Answer.Outcome != OpenOutcome.Refused)
            {
                Openings.Add((profile, counter, source, port, seconds));
            }
            reason = Answer.Reason;
            return Answer.Outcome;
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
        Profile.Create(_dir.Combine("profiles", "alice"), 7000, PortSet.Parse("22,2222"), bindSource: false, protocol: 1);
        Profile.Create(_dir.Combine("profiles", "bob"), 7001, PortSet.All, bindSource: true, protocol: 1);
        Profile.Create(_dir.Combine("profiles", "carol"), 7002, PortSet.Parse("22"), bindSource: false, protocol: 2);
        Profile.Create(_dir.Combine("profiles", "dave"), 7003, PortSet.All, bindSource: true, protocol: 2);
        _index = LoadIndex();
        _opener = new RecordingOpener();
        _log = new StringWriter();
        _processor = new KnockProcessor(new LogLineParser(), _index, _opener, DaemonLog.ToWriter(_log), delaySeconds: 15, errorWindow: 20);
    }

    [TearDown]
    public void TearDown()
    {
        _index.Dispose();
        _dir.Dispose();
    }

    private ProfileIndex LoadIndex() => ProfileIndex.Load(_dir.Combine("profiles"), loaded => loaded.ToDictionary(p => p.Name, _ => 0UL));

    private static string Line(KnockFields f, ushort knockPort, string source = Client) =>
        KernelLines.Tcp(src: source, dpt: knockPort.ToString(), id: f.Id.ToString(), seq: f.Sequence.ToString(), ack: f.Acknowledgment.ToString(), window: f.Window.ToString());

    private KnockFields Seal(string profile, ulong counter, ushort port, HostAddress? source = null)
    {
        using var p = Profile.Load(_dir.Combine("profiles", profile));
        using var cipher = p.CreateCipher();
        return cipher.Seal(counter, p.KnockPort, port, source ?? ClientAddress);
    }

    private void Feed(string line) => _processor.Process(Encoding.ASCII.GetBytes(line));

    private static readonly HostAddress ClientAddress6 = Addresses.Of("2001:db8:5::1");
    private const string Client6 = "2001:0db8:0005:0000:0000:0000:0000:0001";

    /// <summary>A v2 knock of a profile as the kernel LOGs it: over IPv4 (ID) or IPv6 (FLOWLBL), TSval in the options.</summary>
    private string LineV2(string profile, ulong counter, ushort port, bool ipv6 = false, HostAddress? sealedFor = null, string? source = null, string spt = "40002",
        Func<KnockFieldsV2, KnockFieldsV2>? change = null)
    {
        using var p = Profile.Load(_dir.Combine("profiles", profile));
        using var cipher = p.CreateCipherV2(ipv6 ? KnockFamily.IPv6 : KnockFamily.IPv4);
        var f = cipher.Seal(counter, p.KnockPort, port, sealedFor ?? (ipv6 ? ClientAddress6 : ClientAddress));
        f = change?.Invoke(f) ?? f;
        return ipv6
            ? KernelLines.Tcp6(src: source ?? Client6, dpt: p.KnockPort.ToString(), flow: f.Carrier.ToString(), seq: f.Sequence.ToString(), tail: KernelLines.Options(f.Timestamp), spt: spt)
            : KernelLines.Tcp(src: source ?? Client, dpt: p.KnockPort.ToString(), id: f.Carrier.ToString(), seq: f.Sequence.ToString(), ack: "0", window: "64240", tail: KernelLines.Options(f.Timestamp), spt: spt);
    }

    [TestCase(false, TestName = "A v2 knock over IPv4 opens its port for its source")]
    [TestCase(true, TestName = "A v2 knock over IPv6 opens its port for its source")]
    public void A_v2_knock_opens(bool ipv6)
    {
        Feed(LineV2("carol", 0, 22, ipv6));
        Assert.That(_opener.Openings, Is.EqualTo(new[] { ("carol", 0UL, ipv6 ? ClientAddress6 : ClientAddress, (ushort)22, 15) }));
    }

    [TestCase(false, TestName = "A bound v2 knock over IPv4 opens only from the address it was sealed for")]
    [TestCase(true, TestName = "A bound v2 knock over IPv6 opens only from the address it was sealed for")]
    public void A_bound_v2_knock_opens_only_from_its_source(bool ipv6)
    {
        var other = ipv6 ? "2001:0db8:0005:0000:0000:0000:0000:0009" : "198.18.9.9";
        Feed(LineV2("dave", 0, 22, ipv6, source: other));
        Assert.That(_opener.Openings, Is.Empty);
        Feed(LineV2("dave", 0, 22, ipv6));
        Assert.That(_opener.Openings, Has.Count.EqualTo(1));
    }

    [Test]
    public void A_v2_knock_whose_timestamp_option_is_gone_opens_nothing()
    {
        var line = LineV2("carol", 0, 22);
        Feed(line[..line.IndexOf("OPT (", StringComparison.Ordinal)]);
        Assert.That(_opener.Openings, Is.Empty);
        Assert.That(_processor.Statistics.Total(KnockRejection.BadTag), Is.EqualTo(1));
    }

    [Test]
    public void A_v1_knock_to_a_v2_profile_and_a_v2_knock_to_a_v1_profile_open_nothing()
    {
        Feed(Line(Seal("alice", 0, 22), 7002));
        Feed(LineV2("carol", 0, 22).Replace("DPT=7002 ", "DPT=7000 ", StringComparison.Ordinal));
        Assert.That(_opener.Openings, Is.Empty);
        Assert.That(_processor.Statistics.Total(KnockRejection.BadTag), Is.EqualTo(2));
    }

    [Test]
    public void Retransmissions_of_a_used_v2_knock_are_counted_as_such_not_as_attacks_or_knocks()
    {
        var line = LineV2("carol", 0, 22);
        Feed(line);
        // What Linux retransmits: the same ports and sequence number, the IP ID + 1, TSval 1 s later.
        Feed(LineV2("carol", 0, 22, change: f => f with { Carrier = (f.Carrier + 1) & 0xFFFF, Timestamp = unchecked(f.Timestamp + 1000) }));
        Feed(line);
        Assert.That(_opener.Openings, Has.Count.EqualTo(1));
        Assert.That(_processor.Statistics.Retransmissions, Is.EqualTo(2), "the changed copy and the exact copy both repeat the used knock");
        Assert.That(_processor.Statistics.Rejected, Is.Zero);
    }

    [Test]
    public void A_SYN_that_only_shares_the_sequence_number_with_a_used_knock_is_no_retransmission()
    {
        Feed(LineV2("carol", 0, 22));
        Feed(LineV2("carol", 0, 22, spt: "40004"));
        Feed(LineV2("carol", 0, 22, source: "198.18.1.3"));
        Assert.That(_processor.Statistics.Retransmissions, Is.Zero);
        Assert.That(_processor.Statistics.Total(KnockRejection.BadTag), Is.EqualTo(2));
    }

    [Test]
    public void A_valid_knock_asks_the_worker_to_open_its_port_for_its_source_with_its_profile_and_counter()
    {
        Feed(Line(Seal("alice", 0, 2222), 7000));
        Assert.That(_opener.Openings, Is.EqualTo(new[] { ("alice", 0UL, ClientAddress, (ushort)2222, 15) }));
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
    public void A_port_outside_the_profiles_allowed_ports_opens_nothing_and_its_resend_opens_nothing_either()
    {
        var line = Line(Seal("alice", 0, 443), 7000);
        Feed(line);
        Feed(line);
        Assert.That(_opener.Openings, Is.Empty);
        Assert.That(_processor.Statistics.Total(KnockRejection.PortNotAllowed), Is.EqualTo(1));
        Assert.That(_processor.Statistics.Total(KnockRejection.BadTag), Is.EqualTo(1));
        Assert.That(_index.Find(7000)!.NextCounter, Is.EqualTo(1UL));
    }

    [Test]
    public void A_knock_for_a_knock_port_opens_nothing_even_when_the_profile_allows_all()
    {
        Feed(Line(Seal("bob", 0, 7000), 7001));
        Assert.That(_opener.Openings, Is.Empty);
        Assert.That(_processor.Statistics.Total(KnockRejection.PortNotAllowed), Is.EqualTo(1));
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
    public void A_failed_opening_is_logged_and_counted_and_the_counter_stays_used()
    {
        _opener.Answer = (OpenOutcome.Failed, "nft failed");
        var line = Line(Seal("alice", 0, 22), 7000);
        Feed(line);
        Assert.That(_processor.Statistics.Total(KnockRejection.OpenFailed), Is.EqualTo(1));
        Assert.That(_log.ToString(), Does.Contain("opening failed: nft failed"));
        Feed(line);
        Assert.That(_processor.Statistics.Total(KnockRejection.BadTag), Is.EqualTo(1), "the worker stored the counter: a resend is used up");
    }

    [Test]
    public void A_counter_the_worker_could_not_store_leaves_the_knock_valid_for_a_resend()
    {
        _opener.Answer = (OpenOutcome.Refused, "counter-not-stored: /state/counters/alice.counter: No space left on device");
        var line = Line(Seal("alice", 0, 22), 7000);
        Feed(line);
        Assert.That(_processor.Statistics.Total(KnockRejection.CounterNotStored), Is.EqualTo(1));
        Assert.That(_log.ToString(), Does.Contain("could not be stored").And.Contain("No space left on device"));
        _opener.Answer = (OpenOutcome.Opened, "");
        Feed(line);
        Assert.That(_opener.Openings, Has.Count.EqualTo(1), "space is back: the same knock opens");
        Assert.That(_processor.Statistics.Accepted, Is.EqualTo(1));
    }

    [Test]
    public void A_policy_refusal_by_the_worker_is_counted_and_opens_nothing()
    {
        _opener.Answer = (OpenOutcome.Refused, "rate-limit");
        Feed(Line(Seal("alice", 0, 22), 7000));
        Assert.That(_processor.Statistics.Total(KnockRejection.OpenRefused), Is.EqualTo(1));
        Assert.That(_processor.Statistics.Accepted, Is.Zero);
    }

    [Test]
    public void Knocks_after_lost_ones_within_the_window_open_and_move_the_window_past_them()
    {
        Feed(Line(Seal("alice", 5, 22), 7000));
        Feed(Line(Seal("alice", 3, 22), 7000));
        Assert.That(_opener.Openings, Has.Count.EqualTo(1));
        Assert.That(_index.Find(7000)!.NextCounter, Is.EqualTo(6UL));
    }

    [Test]
    public void Two_profiles_on_one_knock_port_are_a_start_up_error()
    {
        File.WriteAllText(_dir.Combine("profiles", "bob", "config"), "[profile]\nknock_port = 7000\n");
        var error = Assert.Throws<KnockKnockException>(() => LoadIndex())!;
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
    public void Lines_of_either_family_with_any_carrier_to_profiles_of_either_protocol_never_throw()
    {
        // An IPv6 SYN's flow label may be any 20-bit value; a v1 profile must treat it as no knock.
        var random = new Random(11);
        var lines = 0;
        foreach (var port in new[] { "7000", "7001", "7002", "7003" })
        {
            foreach (var flow in new[] { "0", "65535", "65536", "917504", "1048575" })
            {
                Feed(KernelLines.Tcp6(dpt: port, flow: flow, tail: KernelLines.Options((uint)random.NextInt64(1L << 32))));
                Feed(KernelLines.Tcp6(dpt: port, flow: flow));
                lines += 2;
            }
            foreach (var id in new[] { "0", "1", "65535" })
            {
                Feed(KernelLines.Tcp(dpt: port, id: id, tail: KernelLines.Options((uint)random.NextInt64(1L << 32))));
                Feed(KernelLines.Tcp(dpt: port, id: id));
                lines += 2;
            }
        }
        Assert.That(_opener.Openings, Is.Empty);
        Assert.That(_processor.Statistics.Rejected, Is.EqualTo(lines));
    }

    [Test]
    public void A_bug_that_a_line_hits_drops_that_line_is_counted_and_logged_and_the_next_line_is_handled()
    {
        _opener.Throw = new ArgumentOutOfRangeException("seconds", "a bug");
        Feed(Line(Seal("alice", 0, 22), 7000));
        Feed(Line(Seal("alice", 1, 22), 7000));
        Assert.That(_processor.Statistics.Total(KnockRejection.InternalError), Is.EqualTo(2));
        Assert.That(_log.ToString().Split('\n').Count(l => l.Contains("hit a bug", StringComparison.Ordinal)), Is.EqualTo(1), "logged once a minute");
        _opener.Throw = null;
        Feed(Line(Seal("alice", 2, 22), 7000));
        Assert.That(_opener.Openings, Has.Count.EqualTo(1));
        _opener.Throw = new IOException("the worker is gone");
        Assert.That(() => Feed(Line(Seal("alice", 3, 22), 7000)), Throws.TypeOf<IOException>(), "environment failures still reach the host");
    }

    [Test]
    public void Processing_a_bogus_knock_line_allocates_nothing()
    {
        var bogus = Encoding.ASCII.GetBytes(KernelLines.Tcp(dpt: "7000"));
        for (var i = 0; i < 100_000; i++)
        {
            _processor.Process(bogus);
        }
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            _processor.Process(bogus);
        }
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }
}
