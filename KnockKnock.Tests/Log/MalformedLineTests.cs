using KnockKnock.Daemon.Log;

namespace KnockKnock.Tests.Log;

/// <summary>Lines an attacker, a misconfiguration or another kernel message could produce: each is refused with its reason.</summary>
[TestFixture]
public sealed class MalformedLineTests
{
    private static readonly LogLineParser Parser = new();

    private static LogLineRejection Reject(string line)
    {
        var ok = Parser.TryParse(KernelLines.Ascii(line), out var knock, out var reason);
        Assert.That(ok, Is.False, line);
        Assert.That(knock, Is.EqualTo(default(KnockLine)));
        return reason;
    }

    [TestCase("")]
    [TestCase("knockknock:")]
    [TestCase("knockknock:IN=veth0 SRC=1.2.3.4")]
    [TestCase("Knockknock: IN=veth0")]
    [TestCase(" knockknock: IN=veth0")]
    [TestCase("eth0: link up")]
    public void Wrong_or_missing_prefix(string line)
    {
        Assert.That(Reject(line), Is.EqualTo(LogLineRejection.NoPrefix));
    }

    [Test]
    public void Prefix_in_the_middle_of_the_line()
    {
        Assert.That(Reject("other: " + KernelLines.Example), Is.EqualTo(LogLineRejection.NoPrefix));
        Assert.That(Reject("[ 1234.5678] " + KernelLines.Example), Is.EqualTo(LogLineRejection.NoPrefix));
        Assert.That(Reject("Nov 22 13:58:01 host kernel: " + KernelLines.Example), Is.EqualTo(LogLineRejection.NoPrefix));
    }

    [Test]
    public void Over_long_line_is_refused_before_anything_else()
    {
        var line = KernelLines.Example + new string('x', LogLineParser.MaxLineLength - KernelLines.Example.Length + 1);
        Assert.That(line, Has.Length.EqualTo(4097));
        Assert.That(Reject(line), Is.EqualTo(LogLineRejection.TooLong));
        var atLimit = KernelLines.Example + new string('x', LogLineParser.MaxLineLength - KernelLines.Example.Length);
        Assert.That(Parser.TryParse(KernelLines.Ascii(atLimit), out _, out _), Is.True);
    }

    [TestCase("\n")]
    [TestCase("\r")]
    [TestCase("\0")]
    [TestCase("\t")]
    [TestCase("\u007f")]
    public void Control_characters(string control)
    {
        Assert.That(Reject(KernelLines.Example + control), Is.EqualTo(LogLineRejection.ControlCharacter));
        Assert.That(Reject(KernelLines.Example.Replace("DPT=7000 ", "DPT=7000" + control, StringComparison.Ordinal)), Is.EqualTo(LogLineRejection.ControlCharacter));
    }

    [Test]
    public void ICMP_error_quoting_a_TCP_SYN_is_not_a_knock()
    {
        var line = "knockknock: IN=veth0 OUT= " + KernelLines.Mac + "SRC=198.18.1.9 DST=198.18.1.1 LEN=68 TOS=0x00 PREC=0xC0 TTL=64 ID=1 PROTO=ICMP TYPE=3 CODE=3 "
            + "[SRC=198.18.1.1 DST=198.18.1.9 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=54321 DF PROTO=TCP SPT=7000 DPT=40001 SEQ=1 ACK=2 WINDOW=3 RES=0x00 SYN URGP=0 ] ";
        Assert.That(Reject(line), Is.EqualTo(LogLineRejection.NotTcp));
    }

    [Test]
    public void Fields_inside_brackets_never_complete_an_outer_line()
    {
        var line = "knockknock: IN=veth0 OUT= SRC=198.18.1.2 DST=198.18.1.1 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=7 PROTO=TCP SPT=1 "
            + "[SRC=198.18.1.1 DPT=7000 SEQ=1 ACK=2 WINDOW=3 ] SYN URGP=0 ";
        Assert.That(Reject(line), Is.EqualTo(LogLineRejection.MissingField));
        var flagInside = KernelLines.Tcp(flags: "[SYN] ");
        Assert.That(Reject(flagInside), Is.EqualTo(LogLineRejection.NotSyn));
    }

    [Test]
    public void Truncated_packet_marked_INCOMPLETE()
    {
        var line = "knockknock: IN=veth0 OUT= SRC=198.18.1.2 DST=198.18.1.1 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=7 PROTO=TCP INCOMPLETE [12 bytes] ";
        // No TCP header was logged, so no flags either: the first thing missing is SYN.
        Assert.That(Reject(line), Is.EqualTo(LogLineRejection.NotSyn));
    }

    [TestCase("] ")]
    [TestCase("[ ")]
    [TestCase("[[SRC=1.2.3.4 ] ")]
    [TestCase("a]b[ ")]
    public void Unbalanced_brackets(string tail)
    {
        Assert.That(Reject(KernelLines.Tcp(tail: tail)), Is.EqualTo(LogLineRejection.UnbalancedBracket));
    }

    [Test]
    public void Bracket_closed_too_early_does_not_hide_an_outer_duplicate()
    {
        Assert.That(Reject(KernelLines.Tcp(tail: "[x] SEQ=1 ")), Is.EqualTo(LogLineRejection.DuplicateField));
    }

    [TestCase("UDP")]
    [TestCase("ICMP")]
    [TestCase("tcp")]
    [TestCase("TCPX")]
    [TestCase("")]
    [TestCase("6")]
    public void Not_TCP(string proto)
    {
        var line = KernelLines.Example.Replace("PROTO=TCP", "PROTO=" + proto, StringComparison.Ordinal);
        Assert.That(Reject(line), Is.EqualTo(LogLineRejection.NotTcp));
    }

    [TestCase("")]
    [TestCase("ACK ")]
    [TestCase("FIN ")]
    [TestCase("syn ")]
    [TestCase("SYNACK ")]
    [TestCase("SYN=1 ")]
    public void Not_SYN(string flags)
    {
        Assert.That(Reject(KernelLines.Tcp(flags: flags)), Is.EqualTo(LogLineRejection.NotSyn));
    }

    [TestCase("ACK SYN ")]
    [TestCase("RST SYN ")]
    [TestCase("SYN FIN ")]
    [TestCase("PSH SYN ")]
    [TestCase("URG SYN ")]
    [TestCase("CWR ECE URG ACK PSH RST SYN FIN ")]
    public void SYN_with_other_flags(string flags)
    {
        Assert.That(Reject(KernelLines.Tcp(flags: flags)), Is.EqualTo(LogLineRejection.UnexpectedFlag));
    }

    [TestCase("SRC=198.18.1.2 ")]
    [TestCase("DPT=7000 ")]
    [TestCase("ID=54321 ")]
    [TestCase("SEQ=3735928559 ")]
    [TestCase("ACK=305419896 ")]
    [TestCase("WINDOW=4660 ")]
    [TestCase("PROTO=TCP ")]
    public void Missing_field(string field)
    {
        var line = KernelLines.Example.Replace(field, "", StringComparison.Ordinal);
        Assert.That(line, Is.Not.EqualTo(KernelLines.Example));
        Assert.That(Reject(line), Is.EqualTo(LogLineRejection.MissingField));
    }

    [Test]
    public void Line_logged_without_tcp_sequence_option_lacks_SEQ_and_ACK()
    {
        var line = KernelLines.Example.Replace("SEQ=3735928559 ACK=305419896 ", "", StringComparison.Ordinal);
        Assert.That(Reject(line), Is.EqualTo(LogLineRejection.MissingField));
    }

    [TestCase("SRC=1.1.1.1 ")]
    [TestCase("DPT=22 ")]
    [TestCase("ID=1 ")]
    [TestCase("SEQ=1 ")]
    [TestCase("ACK=1 ")]
    [TestCase("WINDOW=1 ")]
    [TestCase("PROTO=TCP ")]
    [TestCase("SYN ")]
    [TestCase("SRC=198.18.1.2 ")]
    public void Duplicate_field_or_flag(string extra)
    {
        Assert.That(Reject(KernelLines.Tcp(tail: extra)), Is.EqualTo(LogLineRejection.DuplicateField));
        Assert.That(Reject(KernelLines.Tcp(flags: "SYN " + extra)), Is.EqualTo(LogLineRejection.DuplicateField));
    }

    [TestCase("ECE SYN ECE ")]
    [TestCase("CWR CWR SYN ")]
    [TestCase("ACK ACK SYN ")]
    public void Duplicate_flag(string flags)
    {
        Assert.That(Reject(KernelLines.Tcp(flags: flags)), Is.EqualTo(LogLineRejection.DuplicateField));
    }

    [TestCase("")]
    [TestCase("x")]
    [TestCase("-1")]
    [TestCase("+1")]
    [TestCase("01")]
    [TestCase("00")]
    [TestCase("0x10")]
    [TestCase("1.0")]
    [TestCase("1e3")]
    [TestCase("12345678901")]
    [TestCase("99999999999999999999999")]
    [TestCase("１２")]
    public void Bad_number_in_each_numeric_field(string value)
    {
        Assert.That(Reject(KernelLines.Tcp(dpt: value)), Is.EqualTo(LogLineRejection.BadNumber));
        Assert.That(Reject(KernelLines.Tcp(id: value)), Is.EqualTo(LogLineRejection.BadNumber));
        Assert.That(Reject(KernelLines.Tcp(seq: value)), Is.EqualTo(LogLineRejection.BadNumber));
        Assert.That(Reject(KernelLines.Tcp(ack: value)), Is.EqualTo(LogLineRejection.BadNumber));
        Assert.That(Reject(KernelLines.Tcp(window: value)), Is.EqualTo(LogLineRejection.BadNumber));
    }

    [Test]
    public void Out_of_range_numbers()
    {
        Assert.That(Reject(KernelLines.Tcp(dpt: "0")), Is.EqualTo(LogLineRejection.OutOfRange));
        Assert.That(Reject(KernelLines.Tcp(dpt: "65536")), Is.EqualTo(LogLineRejection.OutOfRange));
        Assert.That(Reject(KernelLines.Tcp(id: "65536")), Is.EqualTo(LogLineRejection.OutOfRange));
        Assert.That(Reject(KernelLines.Tcp(window: "65536")), Is.EqualTo(LogLineRejection.OutOfRange));
        Assert.That(Reject(KernelLines.Tcp(seq: "4294967296")), Is.EqualTo(LogLineRejection.OutOfRange));
        Assert.That(Reject(KernelLines.Tcp(ack: "9999999999")), Is.EqualTo(LogLineRejection.OutOfRange));
    }

    [TestCase("")]
    [TestCase("1.2.3")]
    [TestCase("1.2.3.4.5")]
    [TestCase("1.2.3.")]
    [TestCase(".1.2.3")]
    [TestCase("1..2.3")]
    [TestCase("256.1.1.1")]
    [TestCase("1.1.1.256")]
    [TestCase("01.1.1.1")]
    [TestCase("1.1.1.00")]
    [TestCase("0001.1.1.1")]
    [TestCase("1.1.1.-1")]
    [TestCase("1.1.1.1a")]
    [TestCase("::1")]
    [TestCase("fe80::1")]
    [TestCase("0x7f.0.0.1")]
    [TestCase("2130706433")]
    public void Bad_source_address(string src)
    {
        Assert.That(Reject(KernelLines.Tcp(src: src)), Is.EqualTo(LogLineRejection.BadAddress));
    }

    [Test]
    public void First_problem_wins_before_a_later_one_is_seen()
    {
        // SRC is read before DPT, so a bad address is reported even though DPT is also bad.
        Assert.That(Reject(KernelLines.Tcp(src: "1.2.3", dpt: "x")), Is.EqualTo(LogLineRejection.BadAddress));
    }
}
