using System.Text;
using KnockKnock.Daemon.Worker;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Worker;

/// <summary>The worker re-validates every request: anything but the exact shape is refused.</summary>
[TestFixture]
public sealed class MalformedRequestTests
{
    [TestCase("open alice 7 198.18.1.2 2222 15", "alice", 7UL, "198.18.1.2", 2222, 15)]
    [TestCase("open a 0 0.0.0.0 1 1", "a", 0UL, "0.0.0.0", 1, 1)]
    [TestCase("open alice-laptop.2_x 18446744073709551615 255.255.255.255 65535 3600", "alice-laptop.2_x", ulong.MaxValue, "255.255.255.255", 65535, 3600)]
    [TestCase("open b 1 2001:db8::1 22 15", "b", 1UL, "2001:db8::1", 22, 15)]
    public void Well_formed_open_requests_parse(string text, string profile, ulong counter, string source, int port, int seconds)
    {
        Assert.That(WorkerRequest.TryParse(Encoding.ASCII.GetBytes(text), out var request, out var error), Is.True, error);
        Assert.That((request.Kind, request.Profile, request.Counter, request.Source, (int)request.Port, request.Seconds),
            Is.EqualTo((WorkerRequestKind.Open, profile, counter, Addresses.Of(source), port, seconds)));
        Assert.That(Encoding.ASCII.GetString(request.Encode()), Is.EqualTo(text));
    }

    [Test]
    public void Flush_parses()
    {
        Assert.That(WorkerRequest.TryParse("flush"u8, out var request, out _), Is.True);
        Assert.That(request.Kind, Is.EqualTo(WorkerRequestKind.Flush));
    }

    [Test]
    public void Check_parses_and_its_answer_is_read_strictly()
    {
        Assert.That(WorkerRequest.TryParse("check"u8, out var request, out var error), Is.True, error);
        Assert.That(request.Kind, Is.EqualTo(WorkerRequestKind.Check));
        Assert.That(Encoding.ASCII.GetString(WorkerRequest.Check.Encode()), Is.EqualTo("check"));
        Assert.That(WorkerRequest.TryParse("check "u8, out _, out _), Is.False);

        Assert.That(WorkerCheck.TryParse("ok - 0", out var fresh), Is.True);
        Assert.That((fresh.LastRecreated, fresh.Unlogged), Is.EqualTo(((DateTimeOffset?)null, (int?)0)));
        Assert.That(WorkerCheck.TryParse("ok 1893456000 ?", out var check), Is.True);
        Assert.That((check.LastRecreated, check.Unlogged), Is.EqualTo(((DateTimeOffset?)new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero), (int?)null)));
        foreach (var bad in new[] { "ok", "ok - ", "ok -1 0", "ok - -1", "ok 1 2 3", "refused x", "ok 99999999999999 0", " ok - 0" })
        {
            Assert.That(WorkerCheck.TryParse(bad, out _), Is.False, bad);
        }
    }

    [Test]
    public void Detach_parses_and_encodes_exactly()
    {
        Assert.That(WorkerRequest.TryParse("detach"u8, out var request, out var error), Is.True, error);
        Assert.That(request.Kind, Is.EqualTo(WorkerRequestKind.Detach));
        Assert.That(Encoding.ASCII.GetString(WorkerRequest.Detach.Encode()), Is.EqualTo("detach"));
        Assert.That(Encoding.ASCII.GetString(WorkerRequest.Flush.Encode()), Is.EqualTo("flush"));
    }

    [TestCase("")]
    [TestCase("open alice 7 1.2.3 2222 15")]
    [TestCase("open alice 7 1.2.3.4.5 2222 15")]
    [TestCase("open alice 7 01.2.3.4 2222 15")]
    [TestCase("open alice 7 1.2.3.04 2222 15")]
    [TestCase("open alice 7 256.1.1.1 2222 15")]
    [TestCase("open alice 7 1.2.3.-4 2222 15")]
    [TestCase("open alice 7 +1.2.3.4 2222 15")]
    [TestCase("open alice 7 1.2.3.4. 2222 15")]
    [TestCase("open alice 7 0x01.2.3.4 2222 15")]
    [TestCase("open alice 7 1.2.3.4/0 2222 15")]
    [TestCase("open alice 7 2001:DB8::1 2222 15")]
    [TestCase("open alice 7 2001:db8:0:0::1 2222 15")]
    [TestCase("open alice 7 2001:0db8::1 2222 15")]
    [TestCase("open alice 7 fe80::1%eth0 2222 15")]
    [TestCase("open alice 7 ::ffff:1.2.3.04 2222 15")]
    [TestCase("open alice 7 1.2.3.4 0 15")]
    [TestCase("open alice 7 1.2.3.4 65536 15")]
    [TestCase("open alice 7 1.2.3.4 02222 15")]
    [TestCase("open alice 7 1.2.3.4 -1 15")]
    [TestCase("open alice 7 1.2.3.4 2222 0")]
    [TestCase("open alice 7 1.2.3.4 2222 3601")]
    [TestCase("open alice 7 1.2.3.4 2222 99999999999")]
    [TestCase("open alice 7 1.2.3.4 2222 015")]
    [TestCase("open alice 7 1.2.3.4 2222 15 extra")]
    [TestCase("open alice 7 1.2.3.4 2222")]
    [TestCase("open alice 7 1.2.3.4 2222 15 ")]
    [TestCase(" open 1.2.3.4 2222 15")]
    [TestCase("open  1.2.3.4 2222 15")]
    [TestCase("open\talice 7 1.2.3.4 2222 15")]
    [TestCase("open alice 7 1.2.3.4 2222 15\n")]
    [TestCase("OPEN 1.2.3.4 2222 15")]
    [TestCase("open alice 7 1.2.3.4 2222 １５")]
    [TestCase("open alice 7 1.2.3.4 ２２２２ 15")]
    [TestCase("close 1.2.3.4 2222 15")]
    [TestCase("flush ")]
    [TestCase("flush now")]
    [TestCase("detach ")]
    [TestCase(" detach")]
    [TestCase("detach now")]
    [TestCase("DETACH")]
    [TestCase("detach\n")]
    [TestCase("detach\0")]
    [TestCase("detached")]
    [TestCase("detach; flush")]
    [TestCase("open alice 7 1.2.3.4 2222 15; flush ruleset")]
    [TestCase("open .alice 7 1.2.3.4 2222 15")]
    [TestCase("open -alice 7 1.2.3.4 2222 15")]
    [TestCase("open al/ice 7 1.2.3.4 2222 15")]
    [TestCase("open alice -7 1.2.3.4 2222 15")]
    [TestCase("open alice 07 1.2.3.4 2222 15")]
    [TestCase("open alice 18446744073709551616 1.2.3.4 2222 15")]
    [TestCase("open alice 0x7 1.2.3.4 2222 15")]
    [TestCase("open 1.2.3.4 2222 15")]
    public void Malformed_requests_are_refused(string text)
        => Assert.That(WorkerRequest.TryParse(Encoding.UTF8.GetBytes(text), out _, out var error), Is.False, error);

    [Test]
    public void Over_long_and_binary_requests_are_refused()
    {
        Assert.That(WorkerRequest.TryParse(Encoding.ASCII.GetBytes("open alice 7 1.2.3.4 2222 15" + new string(' ', 200)), out _, out _), Is.False);
        Assert.That(WorkerRequest.TryParse("open alice 7 1.2.3.4\02222 15"u8, out _, out _), Is.False);
        Assert.That(WorkerRequest.TryParse([0xff, 0xfe, 0x00], out _, out _), Is.False);
    }

    [Test]
    public void Open_refuses_out_of_range_values_at_the_client_edge()
    {
        Assert.That(() => WorkerRequest.Open("alice", 7, Addresses.Of("198.18.1.2"), 0, 15), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => WorkerRequest.Open("alice", 7, Addresses.Of("198.18.1.2"), 22, 0), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => WorkerRequest.Open("alice", 7, Addresses.Of("198.18.1.2"), 22, 3601), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }
}
