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

    /// <summary>A line's knock fields without TCP options (a v1 knock).</summary>
    private static KnockLine V1(string source, ushort port, uint id, uint sequence, uint acknowledgment, ushort window, ushort sourcePort = 40001)
        => new(Addresses.Of(source), sourcePort, port, id, sequence, acknowledgment, window, HasTimestamp: false, Timestamp: 0);

    [Test]
    public void Kernel_example_line_yields_every_knock_field()
    {
        var knock = Accept(KernelLines.Example);
        Assert.That(knock, Is.EqualTo(V1("198.18.1.2", 7000, 54321, 3735928559, 305419896, 4660)));
    }

    [Test]
    public void A_connect_SYN_over_IPv4_yields_the_ID_the_sequence_number_and_TSval_from_the_options()
    {
        var knock = Accept(KernelLines.ExampleV2);
        Assert.That(knock, Is.EqualTo(new KnockLine(Addresses.Of("192.0.2.1"), 41000, 9101, 4660, 287454020, 0, 64240, HasTimestamp: true, Timestamp: 0x55667788)));
    }

    [Test]
    public void A_connect_SYN_over_IPv6_yields_the_flow_label_the_sequence_number_and_TSval()
    {
        var knock = Accept(KernelLines.ExampleV6);
        Assert.That(knock, Is.EqualTo(new KnockLine(Addresses.Of("2001:db8:5::1"), 41000, 9101, 0xABCDE, 287454020, 0, 64800, HasTimestamp: true, Timestamp: 0x55667788)));
    }

    [TestCase("020405B40402080A55667788000000000103030A", TestName = "TSval in the middle (Linux order)")]
    [TestCase("080A556677880000000001010402020405B40000", TestName = "TSval first, NOPs, SACK_PERM and MSS after")]
    [TestCase("0101080A5566778800000000", TestName = "TSval after two NOPs")]
    [TestCase("020405B4080A55667788000000000000", TestName = "TSval then EOL padding")]
    public void TSval_is_found_by_walking_the_options_wherever_it_is(string options)
    {
        var knock = Accept(KernelLines.Tcp(tail: $"OPT ({options}) "));
        Assert.That((knock.HasTimestamp, knock.Timestamp), Is.EqualTo((true, 0x55667788u)));
    }

    [Test]
    public void Options_without_a_timestamp_parse_and_say_so()
    {
        var knock = Accept(KernelLines.Tcp(tail: "OPT (020405B40101040201030307) "));
        Assert.That((knock.HasTimestamp, knock.Timestamp), Is.EqualTo((false, 0u)));
    }

    [TestCase("020405B40402080A5566778800000000010303", TestName = "Window scale cut short")]
    [TestCase("080A55667788", TestName = "Timestamp shorter than its length")]
    [TestCase("0808556677880000", TestName = "Timestamp with length 8")]
    [TestCase("080A55667788000000000", TestName = "Odd number of hex digits")]
    [TestCase("080a5566778800000000", TestName = "Lower-case hex")]
    [TestCase("080A55667788000000000800", TestName = "Option length 0")]
    [TestCase("02", TestName = "Kind without length")]
    [TestCase("080A55667788000000000A0C0A550000", TestName = "Option with length past the end")]
    [TestCase("080A55667788000000000101080A55667789000000000000", TestName = "Two timestamps")]
    [TestCase("0101080A556677880000000001", TestName = "Not a whole number of 32-bit words")]
    [TestCase("", TestName = "Empty")]
    [TestCase("0101010101010101010101010101010101010101010101010101010101010101010101010101010101", TestName = "More than 40 bytes")]
    public void Malformed_TCP_options_are_refused(string options)
    {
        Assert.That(Parser.TryParse(KernelLines.Ascii(KernelLines.Tcp(tail: $"OPT ({options}) ")), out _, out var reason), Is.False);
        Assert.That(reason, Is.EqualTo(LogLineRejection.BadOptions));
    }

    [Test]
    public void TCP_options_that_are_not_one_parenthesised_token_are_refused()
    {
        foreach (var tail in new[] { "OPT 020405B4 ", "OPT (020405B4 ", "OPT ", "OPT", "OPT ( ) " })
        {
            Assert.That(Parser.TryParse(KernelLines.Ascii(KernelLines.Tcp(tail: tail)), out _, out var reason), Is.False, tail);
            Assert.That(reason, Is.EqualTo(LogLineRejection.BadOptions), tail);
        }
    }

    [Test]
    public void TCP_options_twice_are_refused()
    {
        var tail = KernelLines.Options(1) + KernelLines.Options(2);
        Assert.That(Parser.TryParse(KernelLines.Ascii(KernelLines.Tcp(tail: tail)), out _, out var reason), Is.False);
        Assert.That(reason, Is.EqualTo(LogLineRejection.DuplicateField));
    }

    [Test]
    public void IP_options_and_IPv6_extension_headers_before_PROTO_are_skipped_not_read_as_TCP_options()
    {
        var ipOptions = KernelLines.Tcp(ipFlags: "DF OPT (01010100) ", tail: KernelLines.Options(7));
        Assert.That(Accept(ipOptions).Timestamp, Is.EqualTo(7));
        var extensions = KernelLines.Tcp6(extensions: "OPT ( ) OPT ( ) ", tail: KernelLines.Options(8));
        Assert.That(Accept(extensions).Timestamp, Is.EqualTo(8));
        Assert.That(Reason(KernelLines.Tcp(ipFlags: "DF OPT (0101 ")), Is.EqualTo(LogLineRejection.BadOptions), "never closed");
    }

    [Test]
    public void The_carrier_is_the_one_of_the_source_family_exactly()
    {
        Assert.That(Reason(KernelLines.Tcp6().Replace("FLOWLBL=703710 ", "", StringComparison.Ordinal)), Is.EqualTo(LogLineRejection.MissingField), "IPv6 without FLOWLBL");
        Assert.That(Reason(KernelLines.Tcp6(extensions: "ID=5 ")), Is.EqualTo(LogLineRejection.DuplicateField), "IPv6 with an ID as well");
        Assert.That(Reason(KernelLines.Tcp(ipFlags: "DF FLOWLBL=5 ")), Is.EqualTo(LogLineRejection.DuplicateField), "IPv4 with a FLOWLBL as well");
        Assert.That(Reason(KernelLines.Tcp6().Replace("FLOWLBL=703710 ", "ID=5 ", StringComparison.Ordinal)), Is.EqualTo(LogLineRejection.MissingField), "IPv6 with an ID instead");
        Assert.That(Reason(KernelLines.Tcp(id: "1").Replace("ID=1 ", "FLOWLBL=1 ", StringComparison.Ordinal)), Is.EqualTo(LogLineRejection.MissingField), "IPv4 with a FLOWLBL instead");
    }

    [Test]
    public void The_flow_label_has_20_bits()
    {
        Assert.That(Accept(KernelLines.Tcp6(flow: "1048575")).Carrier, Is.EqualTo(0xFFFFF));
        Assert.That(Reason(KernelLines.Tcp6(flow: "1048576")), Is.EqualTo(LogLineRejection.OutOfRange));
        Assert.That(Reason(KernelLines.Tcp6(flow: "01")), Is.EqualTo(LogLineRejection.BadNumber));
    }

    [Test]
    public void The_source_port_is_required_once_and_in_range()
    {
        Assert.That(Accept(KernelLines.Tcp(spt: "0")).SourcePort, Is.Zero);
        Assert.That(Accept(KernelLines.Tcp(spt: "65535")).SourcePort, Is.EqualTo(65535));
        Assert.That(Reason(KernelLines.Tcp(spt: "65536")), Is.EqualTo(LogLineRejection.OutOfRange));
        Assert.That(Reason(KernelLines.Tcp().Replace("SPT=40001 ", "", StringComparison.Ordinal)), Is.EqualTo(LogLineRejection.MissingField));
        Assert.That(Reason(KernelLines.Tcp(tail: "SPT=1 ")), Is.EqualTo(LogLineRejection.DuplicateField));
    }

    private static LogLineRejection Reason(string line)
    {
        Assert.That(Parser.TryParse(KernelLines.Ascii(line), out _, out var reason), Is.False, line);
        return reason;
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
        Assert.That(low, Is.EqualTo(V1("198.18.1.2", 1, 0, 0, 0, 0)));
        var high = Accept(KernelLines.Tcp(dpt: "65535", id: "65535", seq: "4294967295", ack: "4294967295", window: "65535"));
        Assert.That(high, Is.EqualTo(V1("198.18.1.2", 65535, 65535, uint.MaxValue, uint.MaxValue, 65535)));
    }

    [Test]
    public void Line_without_MAC_as_logged_in_OUTPUT_is_accepted()
    {
        var line = "knockknock: IN= OUT=lo SRC=127.0.0.1 DST=127.0.0.1 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=3 DF PROTO=TCP SPT=5 DPT=6 SEQ=7 ACK=0 WINDOW=65495 RES=0x00 SYN URGP=0 ";
        Assert.That(Accept(line), Is.EqualTo(V1("127.0.0.1", 6, 3, 7, 0, 65495, sourcePort: 5)));
    }

    [Test]
    public void MARK_and_UID_GID_are_ignored()
    {
        var tail = "OPT (020405B40402080A0001E2400000000001030307) UID=0 GID=0 MARK=0x2a ";
        var knock = Accept(KernelLines.Tcp(tail: tail));
        Assert.That((knock.Sequence, knock.Timestamp), Is.EqualTo((3735928559u, 0x0001E240u)));
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
        Assert.That(knock, Is.EqualTo(V1("198.18.1.2", 7000, 54321, 3735928559, 305419896, 4660)));
    }

    [Test]
    public void Line_without_trailing_space_is_accepted()
    {
        Assert.That(Accept(KernelLines.Example.TrimEnd()).Carrier, Is.EqualTo(54321));
        Assert.That(Accept(KernelLines.ExampleV2.TrimEnd()).Timestamp, Is.EqualTo(0x55667788));
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
            KernelLines.Ascii(KernelLines.ExampleV6),
            KernelLines.Ascii(KernelLines.Tcp(tail: "OPT (0A) ")),
        ];
        long accepted = 0;
        for (var i = 0; i < 7_000; i++)
        {
            accepted += Parser.TryParse(lines[i % lines.Length], out _, out _) ? 1 : 0;
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 70_000; i++)
        {
            accepted += Parser.TryParse(lines[i % lines.Length], out _, out _) ? 1 : 0;
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.Zero);
        Assert.That(accepted, Is.EqualTo(3 * 77_000 / 7), "lines 0, 4 and 5 of every 7 are knocks");
    }
}
