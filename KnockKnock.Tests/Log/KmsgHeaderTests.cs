using System.Text;
using KnockKnock.Daemon.Log;

namespace KnockKnock.Tests.Log;

/// <summary>The /dev/kmsg record format (Documentation/ABI/testing/dev-kmsg), without touching the device.</summary>
[TestFixture]
public sealed class KmsgHeaderTests
{
    private static (int Priority, string Message)? Strip(string record) =>
        KmsgSource.TryStripKmsgHeader(Encoding.ASCII.GetBytes(record), out var header, out var message)
            ? (header.Priority, Encoding.ASCII.GetString(message))
            : null;

    [Test]
    public void Record_header_and_dictionary_lines_are_dropped()
    {
        var record = "4,1234,5678901,-;knockknock: IN=veth0 SRC=198.18.1.2\n SUBSYSTEM=net\n DEVICE=+net:veth0\n";
        Assert.That(Strip(record), Is.EqualTo((4, "knockknock: IN=veth0 SRC=198.18.1.2")));
    }

    [TestCase("6,339,5140900,-;NET: Registered protocol family 10\n", 6, "NET: Registered protocol family 10")]
    [TestCase("12,18446744073709551615,18446744073709551615,c;user text\n", 12, "user text")]
    [TestCase("4,1,2,-,caller=T123;with caller\n", 4, "with caller")]
    [TestCase("0,1,2,-;no newline", 0, "no newline")]
    [TestCase("4,1,2,-;\n", 4, "")]
    [TestCase("4,1,2,-;a;b\n", 4, "a;b")]
    public void Message_and_priority_are_returned(string record, int priority, string message)
    {
        Assert.That(Strip(record), Is.EqualTo((priority, message)));
    }

    [TestCase("")]
    [TestCase("no header at all\n")]
    [TestCase("4,1,2;message\n")]
    [TestCase("4,1;message\n")]
    [TestCase(";message\n")]
    [TestCase("x,1,2,-;message\n")]
    [TestCase("4,x,2,-;message\n")]
    [TestCase("4,1,x,-;message\n")]
    [TestCase("4,1,2,;message\n")]
    [TestCase("4,,2,-;message\n")]
    [TestCase("-4,1,2,-;message\n")]
    [TestCase("12345,1,2,-;message\n")]
    [TestCase("4,1,2\n,-;message\n")]
    [TestCase("4,18446744073709551616,2,-;SEQ beyond 64 bits\n")]
    [TestCase("4,1,99999999999999999999,-;TS_USEC beyond 64 bits\n")]
    public void Malformed_headers_are_refused(string record)
    {
        Assert.That(Strip(record), Is.Null);
    }

    [Test]
    public void Sequence_number_and_timestamp_are_returned()
    {
        Assert.That(KmsgSource.TryStripKmsgHeader("4,54991,725766719,-;knockknock: x\n"u8, out var header, out _), Is.True);
        Assert.That(header, Is.EqualTo(new KmsgHeader(4, 54991, 725766719)));
    }
}
