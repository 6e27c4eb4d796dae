using KnockKnock.Daemon.Firewall;
using KnockKnock.Daemon.Log;

using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Log;

[TestFixture]
public sealed class LogLineParserTests
{
    private static readonly LogLineParser Parser = new();

    private static KnockLine Accept(string line)
    {
        var ok = Parser.TryParse(KernelLines.Ascii(line), out var knock, out var reason);
        Assert.That(reason, Is.EqualTo(LogLineRejection.None), line);
        Assert.That(ok, Is.True);
        return knock;
    }

    [Test]
    public void Default_prefix_is_the_one_the_firewall_rules_use()
    {
        Assert.That(LogPrefix.Default, Is.EqualTo("knockknock: "));
        Assert.That(Parser.Prefix.ToArray(), Is.EqualTo("knockknock: "u8.ToArray()));
    }

    [Test]
    public void Kernel_example_line_yields_every_knock_field()
    {
        var knock = Accept(KernelLines.Example);
        Assert.That(knock, Is.EqualTo(new KnockLine(Addresses.Of("198.18.1.2"), 7000, 54321, 3735928559, 305419896, 4660)));
    }

    [Test]
    public void Source_is_the_address_the_kernel_printed()
    {
        Assert.That(Accept(KernelLines.Tcp(src: "198.18.1.2")).Source, Is.EqualTo(Addresses.Of("198.18.1.2")));
        Assert.That(Accept(KernelLines.Tcp(src: "0.0.0.0")).Source, Is.EqualTo(Addresses.Of("0.0.0.0")));
        Assert.That(Accept(KernelLines.Tcp(src: "255.255.255.255")).Source, Is.EqualTo(Addresses.Of("255.255.255.255")));
        Assert.That(Accept(KernelLines.Tcp(src: "10.0.200.1")).Source, Is.EqualTo(Addresses.Of("10.0.200.1")));
    }

    [Test]
    public void Field_bounds_are_inclusive()
    {
        var low = Accept(KernelLines.Tcp(dpt: "1", id: "0", seq: "0", ack: "0", window: "0"));
        Assert.That(low, Is.EqualTo(new KnockLine(Addresses.Of("198.18.1.2"), 1, 0, 0, 0, 0)));
        var high = Accept(KernelLines.Tcp(dpt: "65535", id: "65535", seq: "4294967295", ack: "4294967295", window: "65535"));
        Assert.That(high, Is.EqualTo(new KnockLine(Addresses.Of("198.18.1.2"), 65535, 65535, uint.MaxValue, uint.MaxValue, 65535)));
    }

    [Test]
    public void Line_without_MAC_as_logged_in_OUTPUT_is_accepted()
    {
        var line = "knockknock: IN= OUT=lo SRC=127.0.0.1 DST=127.0.0.1 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=3 DF PROTO=TCP SPT=5 DPT=6 SEQ=7 ACK=0 WINDOW=65495 RES=0x00 SYN URGP=0 ";
        Assert.That(Accept(line), Is.EqualTo(new KnockLine(Addresses.Of("127.0.0.1"), 6, 3, 7, 0, 65495)));
    }

    [Test]
    public void MARK_and_UID_GID_and_TCP_options_are_ignored()
    {
        var tail = "OPT (020405B40402080A0001E2400000000001030307) UID=0 GID=0 MARK=0x2a ";
        Assert.That(Accept(KernelLines.Tcp(tail: tail)).Sequence, Is.EqualTo(3735928559u));
    }

    [Test]
    public void Bridge_fields_and_fragment_flags_are_ignored()
    {
        var line = KernelLines.Tcp(ipFlags: "CE DF ").Replace("IN=veth0 OUT= ", "IN=br0 OUT= PHYSIN=veth1 ", StringComparison.Ordinal);
        Assert.That(Accept(line).DestinationPort, Is.EqualTo(7000));
    }

    [Test]
    public void ECN_setup_flags_CWR_and_ECE_are_allowed_with_SYN()
    {
        Assert.That(Accept(KernelLines.Tcp(flags: "CWR ECE SYN ")).Window, Is.EqualTo(4660));
    }

    [Test]
    public void Fields_inside_brackets_do_not_count_as_duplicates()
    {
        var inner = "[SRC=1.2.3.4 DST=5.6.7.8 LEN=40 TOS=0x00 PREC=0x00 TTL=1 ID=1 PROTO=TCP SPT=1 DPT=2 SEQ=3 ACK=4 WINDOW=5 RES=0x00 ACK RST SYN URGP=0 ] ";
        var knock = Accept(KernelLines.Tcp(tail: inner));
        Assert.That(knock, Is.EqualTo(new KnockLine(Addresses.Of("198.18.1.2"), 7000, 54321, 3735928559, 305419896, 4660)));
    }

    [Test]
    public void Line_without_trailing_space_is_accepted()
    {
        Assert.That(Accept(KernelLines.Example.TrimEnd()).Id, Is.EqualTo(54321));
    }

    [Test]
    public void A_custom_prefix_is_honoured_and_the_default_then_refused()
    {
        var parser = new LogLineParser("kk-test: ");
        var ok = parser.TryParse(KernelLines.Ascii(KernelLines.Tcp(prefix: "kk-test: ")), out var knock, out _);
        Assert.That(ok, Is.True);
        Assert.That(knock.DestinationPort, Is.EqualTo(7000));
        Assert.That(parser.TryParse(KernelLines.Ascii(KernelLines.Example), out _, out var reason), Is.False);
        Assert.That(reason, Is.EqualTo(LogLineRejection.NoPrefix));
    }

    [TestCase("")]
    [TestCase("knock\nknock: ")]
    [TestCase("tab\t")]
    public void Prefix_that_is_empty_or_not_printable_is_refused(string prefix)
    {
        Assert.That(() => new LogLineParser(prefix), Throws.ArgumentException);
    }

    [Test]
    public void Prefix_longer_than_iptables_allows_is_refused_the_one_limit_for_every_backend()
    {
        Assert.That(() => new LogLineParser(new string('k', LogPrefix.MaxLength + 1)), Throws.ArgumentException);
        Assert.That(new LogLineParser(new string('k', LogPrefix.MaxLength)).Prefix.Length, Is.EqualTo(29));
    }

    [Test]
    public void Parsing_allocates_nothing()
    {
        byte[][] lines =
        [
            KernelLines.Ascii(KernelLines.Example),
            KernelLines.Ascii(KernelLines.Tcp(flags: "ACK SYN ")),
            KernelLines.Ascii(KernelLines.Tcp(seq: "99999999999")),
            KernelLines.Ascii("kernel: something else entirely"),
            KernelLines.Ascii(KernelLines.Tcp(tail: "[SRC=1.2.3.4 ID=1 ] ")),
        ];
        long accepted = 0;
        for (var i = 0; i < 10_000; i++)
        {
            accepted += Parser.TryParse(lines[i % lines.Length], out _, out _) ? 1 : 0;
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100_000; i++)
        {
            accepted += Parser.TryParse(lines[i % lines.Length], out _, out _) ? 1 : 0;
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.Zero);
        Assert.That(accepted, Is.EqualTo(2 * 110_000 / 5));
    }
}
