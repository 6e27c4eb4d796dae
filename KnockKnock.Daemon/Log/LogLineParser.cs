using System.Text;
using KnockKnock.Daemon.Firewall;

namespace KnockKnock.Daemon.Log;

/// <summary>
/// Parses one netfilter LOG line of an IPv4 or IPv6 TCP SYN (iptables and ip6tables <c>-j LOG
/// --log-prefix "knockknock: " --log-tcp-sequence --log-tcp-options</c>, or nft <c>log prefix
/// "knockknock: " flags tcp sequence,options</c>) into a <see cref="KnockLine"/>.
/// </summary>
/// <remarks>
/// <para>Format (kernel net/netfilter/nf_log_syslog.c), one printk, fields separated by single
/// spaces and each followed by one:</para>
/// <code>
/// IPv4: PREFIX IN=if OUT=if [MAC=..] SRC=a.b.c.d DST=a.b.c.d LEN=n TOS=0xNN PREC=0xNN TTL=n ID=n [CE] [DF] [MF] [FRAG:n]
///   [OPT (hex)] PROTO=TCP SPT=n DPT=n [SEQ=n ACK=n] WINDOW=n RES=0xNN [CWR] [ECE] [URG] [ACK] [PSH] [RST] [SYN] [FIN]
///   URGP=n [OPT (HEX)] [UID=n GID=n] [MARK=0xN]
/// IPv6: PREFIX IN=if OUT=if [MAC=..] SRC=xxxx:...:xxxx DST=xxxx:...:xxxx LEN=n TC=n HOPLIMIT=n FLOWLBL=n
///   [OPT ( )...] PROTO=TCP SPT=n ...the same TCP part
/// </code>
/// <para>The OPT after URGP= holds the TCP options as upper-case hex; they are walked option by
/// option (kind, length, data; EOL and NOP one byte), never read at a fixed offset, and must be
/// well-formed; the timestamp option (kind 8, length 10) gives TSval. An OPT before PROTO= holds IP
/// options or IPv6 extension headers and is skipped to its closing parenthesis.</para>
/// <para>TCP flags are bare words; <c>ACK</c> (the flag) and <c>ACK=</c> (the number, printed by
/// --log-tcp-sequence whatever the flags) are different tokens. ICMP errors print the packet they quote
/// inside <c>[</c>...<c>]</c> (<c>[SRC=.. ... URGP=0 ]</c>), truncated packets print <c>INCOMPLETE [n bytes]</c>:
/// every token that holds a bracket or lies between brackets is skipped, so an inner field is never
/// taken for an outer one.</para>
/// <para>Accepted: the line starts with the prefix; PROTO=TCP; the SYN flag without ACK, RST, FIN, PSH
/// or URG (a knock is a bare connection attempt; CWR and ECE are allowed because an ECN-capable SYN
/// carries both); SRC, SPT, DPT, SEQ, ACK, WINDOW each exactly once outside brackets, and ID (with an
/// IPv4 SRC) or FLOWLBL (with an IPv6 SRC), not both; numbers canonical decimal (what %u prints: no
/// sign, no leading zero) and in range; the TCP options at most once and well-formed. Every other
/// token is ignored, and PROTO and each flag may occur at most once. Pure, no allocation, one
/// left-to-right pass.</para>
/// <para>The line is the message alone: sources strip the /dev/kmsg record header
/// (<see cref="KmsgSource.TryStripKmsgHeader"/>) or the syslog
/// header (<see cref="SyslogHeader.TryStrip"/>) before calling <see cref="TryParse"/>, so the prefix must
/// be at offset 0 and a prefix further into the line is <see cref="LogLineRejection.NoPrefix"/>.</para>
/// </remarks>
internal sealed class LogLineParser
{
    /// <summary>Longest line accepted, in bytes. The kernel's LOG buffer is 1 KiB; this leaves room for syslog decorations.</summary>
    public const int MaxLineLength = 4096;

    private readonly byte[] _prefix;

    /// <param name="prefix">The log prefix the firewall rules use (see <see cref="LogPrefix"/>).</param>
    public LogLineParser(string prefix = LogPrefix.Default)
    {
        LogPrefix.Validate(prefix);
        _prefix = Encoding.ASCII.GetBytes(prefix);
    }

    /// <summary>The prefix as ASCII bytes.</summary>
    public ReadOnlySpan<byte> Prefix => _prefix;

    /// <summary>Parses <paramref name="line"/> (no trailing newline).</summary>
    /// <returns>True and the knock fields, or false with <paramref name="reason"/> saying why.</returns>
    public bool TryParse(ReadOnlySpan<byte> line, out KnockLine knock, out LogLineRejection reason)
    {
        knock = default;
        if (line.Length > MaxLineLength)
        {
            reason = LogLineRejection.TooLong;
            return false;
        }
        if (!line.StartsWith(_prefix))
        {
            reason = LogLineRejection.NoPrefix;
            return false;
        }
        if (line.IndexOfAnyInRange((byte)0x00, (byte)0x1F) >= 0 || line.Contains((byte)0x7F))
        {
            reason = LogLineRejection.ControlCharacter;
            return false;
        }
        var rest = line[_prefix.Length..];
        var seen = Fields.None;
        var isTcp = false;
        HostAddress source = default;
        uint sequence = 0, acknowledgment = 0, carrier = 0, timestamp = 0;
        ushort port = 0, sourcePort = 0, id = 0, window = 0;
        var hasTimestamp = false;
        var depth = 0;

        while (!rest.IsEmpty)
        {
            var space = rest.IndexOf((byte)' ');
            var token = space < 0 ? rest : rest[..space];
            rest = space < 0 ? default : rest[(space + 1)..];
            if (token.IsEmpty)
            {
                continue;
            }
            if (depth > 0 || token.IndexOfAny((byte)'[', (byte)']') >= 0)
            {
                if (!TrackBrackets(token, ref depth))
                {
                    reason = LogLineRejection.UnbalancedBracket;
                    return false;
                }
                continue;
            }
            if (token.SequenceEqual("OPT"u8))
            {
                // After URGP= the TCP options, at most once; before it IP options or extension headers, skipped.
                var tcp = (seen & Fields.Urgp) != 0;
                if (tcp && (seen & Fields.Options) != 0)
                {
                    reason = LogLineRejection.DuplicateField;
                    return false;
                }
                reason = tcp ? TcpOptions(ref rest, out hasTimestamp, out timestamp) : SkipOptions(ref rest);
                if (reason != LogLineRejection.None)
                {
                    return false;
                }
                seen |= tcp ? Fields.Options : Fields.None;
                continue;
            }
            var field = Classify(token, out var valueStart);
            if (field == Fields.None)
            {
                continue;
            }
            if ((seen & field) != 0)
            {
                reason = LogLineRejection.DuplicateField;
                return false;
            }
            seen |= field;
            var value = token[valueStart..];
            reason = field switch
            {
                Fields.Proto => Proto(value, out isTcp),
                Fields.Src => HostAddress.TryParseKernel(value, out source) ? LogLineRejection.None : LogLineRejection.BadAddress,
                Fields.Dpt => UInt16(value, 1, out port),
                Fields.Spt => UInt16(value, 0, out sourcePort),
                Fields.Id => UInt16(value, 0, out id),
                Fields.FlowLabel => FlowLabel(value, out carrier),
                Fields.Seq => UInt32(value, out sequence),
                Fields.AckNumber => UInt32(value, out acknowledgment),
                Fields.Window => UInt16(value, 0, out window),
                _ => LogLineRejection.None,
            };
            if (reason != LogLineRejection.None)
            {
                return false;
            }
        }
        reason = Verdict(seen, isTcp, depth, source);
        if (reason != LogLineRejection.None)
        {
            return false;
        }
        knock = new KnockLine(source, sourcePort, port, (seen & Fields.Id) != 0 ? id : carrier, sequence, acknowledgment, window, hasTimestamp, timestamp);
        return true;
    }

    /// <summary>
    /// The TCP options after <c>OPT</c>: one token <c>(HEX)</c>, upper-case hex as the kernel prints it,
    /// walked option by option (RFC 9293 section 3.2); TSval from the timestamp option (kind 8, length 10).
    /// </summary>
    private static LogLineRejection TcpOptions(ref ReadOnlySpan<byte> rest, out bool hasTimestamp, out uint timestamp)
    {
        hasTimestamp = false;
        timestamp = 0;
        var space = rest.IndexOf((byte)' ');
        var token = space < 0 ? rest : rest[..space];
        rest = space < 0 ? default : rest[(space + 1)..];
        if (token.Length < 2 || token[0] != (byte)'(' || token[^1] != (byte)')')
        {
            return LogLineRejection.BadOptions;
        }
        var hex = token[1..^1];
        // The kernel prints the whole option area: 4 to 40 bytes (a TCP header of 24 to 60 bytes, in
        // 32-bit words), two hex digits each.
        if (hex.Length is 0 or > 80 || hex.Length % 8 != 0)
        {
            return LogLineRejection.BadOptions;
        }
        Span<byte> options = stackalloc byte[40];
        for (var i = 0; i < hex.Length / 2; i++)
        {
            var high = HexDigit(hex[2 * i]);
            var low = HexDigit(hex[(2 * i) + 1]);
            if ((high | low) > 15)
            {
                return LogLineRejection.BadOptions;
            }
            options[i] = (byte)((high << 4) | low);
        }
        options = options[..(hex.Length / 2)];
        while (!options.IsEmpty)
        {
            var kind = options[0];
            if (kind == 0)
            {
                break;
            }
            if (kind == 1)
            {
                options = options[1..];
                continue;
            }
            if (options.Length < 2 || options[1] < 2 || options[1] > options.Length)
            {
                return LogLineRejection.BadOptions;
            }
            if (kind == 8)
            {
                if (options[1] != 10 || hasTimestamp)
                {
                    return LogLineRejection.BadOptions;
                }
                hasTimestamp = true;
                timestamp = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(options[2..]);
            }
            options = options[options[1]..];
        }
        return LogLineRejection.None;
    }

    /// <summary>IP options or IPv6 extension headers: <c>(HEX)</c> or <c>( )</c> tokens up to the closing parenthesis.</summary>
    private static LogLineRejection SkipOptions(ref ReadOnlySpan<byte> rest)
    {
        var first = true;
        while (!rest.IsEmpty)
        {
            var space = rest.IndexOf((byte)' ');
            var token = space < 0 ? rest : rest[..space];
            rest = space < 0 ? default : rest[(space + 1)..];
            if (first && (token.IsEmpty || token[0] != (byte)'('))
            {
                return LogLineRejection.BadOptions;
            }
            first = false;
            if (!token.IsEmpty && token[^1] == (byte)')')
            {
                return LogLineRejection.None;
            }
        }
        return LogLineRejection.BadOptions;
    }

    private static int HexDigit(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => 16,
    };

    private static LogLineRejection Verdict(Fields seen, bool isTcp, int depth, HostAddress source)
    {
        if (depth != 0)
        {
            return LogLineRejection.UnbalancedBracket;
        }
        if ((seen & Fields.Proto) != 0 && !isTcp)
        {
            return LogLineRejection.NotTcp;
        }
        if ((seen & Fields.Syn) == 0)
        {
            return (seen & Fields.Proto) == 0 ? LogLineRejection.MissingField : LogLineRejection.NotSyn;
        }
        if ((seen & Fields.ForbiddenFlags) != 0)
        {
            return LogLineRejection.UnexpectedFlag;
        }
        if ((seen & Fields.Required) != Fields.Required)
        {
            return LogLineRejection.MissingField;
        }
        // The IPv4 header has the ID, the IPv6 header the flow label: exactly the one of SRC's family.
        var carrier = seen & (Fields.Id | Fields.FlowLabel);
        return carrier == (source.IsIPv4 ? Fields.Id : Fields.FlowLabel) ? LogLineRejection.None
            : carrier == (Fields.Id | Fields.FlowLabel) ? LogLineRejection.DuplicateField
            : LogLineRejection.MissingField;
    }

    /// <summary>Updates the bracket depth for a skipped token; false for a ']' with no open '['.</summary>
    private static bool TrackBrackets(ReadOnlySpan<byte> token, ref int depth)
    {
        foreach (var b in token)
        {
            if (b == (byte)'[')
            {
                depth++;
            }
            else if (b == (byte)']')
            {
                if (depth == 0)
                {
                    return false;
                }
                depth--;
            }
        }
        return true;
    }

    private static Fields Classify(ReadOnlySpan<byte> token, out int valueStart)
    {
        valueStart = 0;
        switch (token[0])
        {
            case (byte)'A':
                if (token.SequenceEqual("ACK"u8))
                {
                    return Fields.AckFlag;
                }
                return Key(token, "ACK="u8, Fields.AckNumber, out valueStart);
            case (byte)'C':
                return token.SequenceEqual("CWR"u8) ? Fields.Cwr : Fields.None;
            case (byte)'D':
                return Key(token, "DPT="u8, Fields.Dpt, out valueStart);
            case (byte)'E':
                return token.SequenceEqual("ECE"u8) ? Fields.Ece : Fields.None;
            case (byte)'F':
                return token.SequenceEqual("FIN"u8) ? Fields.Fin : Key(token, "FLOWLBL="u8, Fields.FlowLabel, out valueStart);
            case (byte)'I':
                return Key(token, "ID="u8, Fields.Id, out valueStart);
            case (byte)'P':
                if (token.SequenceEqual("PSH"u8))
                {
                    return Fields.Psh;
                }
                return Key(token, "PROTO="u8, Fields.Proto, out valueStart);
            case (byte)'R':
                return token.SequenceEqual("RST"u8) ? Fields.Rst : Fields.None;
            case (byte)'S':
                if (token.SequenceEqual("SYN"u8))
                {
                    return Fields.Syn;
                }
                var f = Key(token, "SRC="u8, Fields.Src, out valueStart);
                f = f != Fields.None ? f : Key(token, "SPT="u8, Fields.Spt, out valueStart);
                return f != Fields.None ? f : Key(token, "SEQ="u8, Fields.Seq, out valueStart);
            case (byte)'U':
                return token.SequenceEqual("URG"u8) ? Fields.Urg : Key(token, "URGP="u8, Fields.Urgp, out valueStart);
            case (byte)'W':
                return Key(token, "WINDOW="u8, Fields.Window, out valueStart);
            default:
                return Fields.None;
        }
    }

    private static Fields Key(ReadOnlySpan<byte> token, ReadOnlySpan<byte> key, Fields field, out int valueStart)
    {
        if (token.StartsWith(key))
        {
            valueStart = key.Length;
            return field;
        }
        valueStart = 0;
        return Fields.None;
    }

    private static LogLineRejection Proto(ReadOnlySpan<byte> value, out bool isTcp)
    {
        isTcp = value.SequenceEqual("TCP"u8);
        return LogLineRejection.None;
    }

    private static LogLineRejection UInt16(ReadOnlySpan<byte> value, uint min, out ushort result)
    {
        result = 0;
        if (!TryParseDecimal(value, out var n))
        {
            return LogLineRejection.BadNumber;
        }
        if (n < min || n > ushort.MaxValue)
        {
            return LogLineRejection.OutOfRange;
        }
        result = (ushort)n;
        return LogLineRejection.None;
    }

    /// <summary>The 20-bit IPv6 flow label.</summary>
    private static LogLineRejection FlowLabel(ReadOnlySpan<byte> value, out uint result)
    {
        var reason = UInt32(value, out result);
        return reason == LogLineRejection.None && result > 0xFFFFF ? LogLineRejection.OutOfRange : reason;
    }

    private static LogLineRejection UInt32(ReadOnlySpan<byte> value, out uint result)
    {
        result = 0;
        if (!TryParseDecimal(value, out var n))
        {
            return LogLineRejection.BadNumber;
        }
        if (n > uint.MaxValue)
        {
            return LogLineRejection.OutOfRange;
        }
        result = (uint)n;
        return LogLineRejection.None;
    }

    /// <summary>Canonical decimal as printk's %u writes it: 1 to 10 digits, no sign, no leading zero.</summary>
    internal static bool TryParseDecimal(ReadOnlySpan<byte> digits, out ulong value)
    {
        value = 0;
        if (digits.IsEmpty || digits.Length > 10 || (digits[0] == (byte)'0' && digits.Length > 1))
        {
            return false;
        }
        foreach (var b in digits)
        {
            var d = unchecked((uint)(b - (byte)'0'));
            if (d > 9)
            {
                return false;
            }
            // 10 digits at most: below 10^10, no overflow.
            value = (value * 10) + d;
        }
        return true;
    }

    [Flags]
    private enum Fields
    {
        None = 0,
        Proto = 1 << 0,
        Src = 1 << 1,
        Dpt = 1 << 2,
        Id = 1 << 3,
        Seq = 1 << 4,
        AckNumber = 1 << 5,
        Window = 1 << 6,
        Syn = 1 << 7,
        AckFlag = 1 << 8,
        Rst = 1 << 9,
        Fin = 1 << 10,
        Psh = 1 << 11,
        Urg = 1 << 12,
        Cwr = 1 << 13,
        Ece = 1 << 14,
        Spt = 1 << 15,
        FlowLabel = 1 << 16,
        Urgp = 1 << 17,
        Options = 1 << 18,
        Required = Proto | Src | Spt | Dpt | Seq | AckNumber | Window | Syn,
        ForbiddenFlags = AckFlag | Rst | Fin | Psh | Urg,
    }
}
