using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Text;
using KnockKnock.Daemon.Log;

namespace KnockKnock.Tests.Log;

/// <summary>
/// Random valid lines must parse to exactly the values they were built from; random mutations of them
/// must never throw, and whatever is still accepted must match what a plain string oracle reads.
/// </summary>
[TestFixture]
public sealed class ParserFuzzTests
{
    private const int Iterations = 10_000;
    private static readonly LogLineParser Parser = new();
    private static readonly string[] Optional = ["UID=0 GID=0 ", "MARK=0x1 ", "[SRC=9.9.9.9 DPT=1 SEQ=2 ACK=3 WINDOW=4 ID=5 SYN ] ", "INCOMPLETE [8 bytes] ", ""];
    private static readonly string[] Insertions = [" ", "[", "]", "(", ")", "SYN ", "ACK ", "SEQ=1 ", "DPT=0 ", "PROTO=UDP ", "OPT ", "OPT (0101080A0000000100000000) ", "FLOWLBL=1 ", "ID=2 ", "0", "9", "A", ".", ":", "=", "\n", "\u00ff", "knockknock: "];

    [Test]
    public void Random_valid_lines_parse_to_exactly_their_values()
    {
        var random = new Random(20240601);
        for (var i = 0; i < Iterations; i++)
        {
            var expected = RandomKnock(random);
            var line = Build(random, expected);
            var ok = Parser.TryParse(KernelLines.Ascii(line), out var knock, out var reason);
            Assert.That(reason, Is.EqualTo(LogLineRejection.None), line);
            Assert.That(ok, Is.True);
            Assert.That(knock, Is.EqualTo(expected), line);
        }
    }

    [Test]
    public void Mutated_lines_never_throw_and_accepted_ones_match_the_oracle()
    {
        var random = new Random(1234567);
        int accepted = 0, rejected = 0;
        for (var i = 0; i < Iterations; i++)
        {
            var line = Mutate(random, Encoding.Latin1.GetBytes(Build(random, RandomKnock(random))));
            var ok = Parser.TryParse(line, out var knock, out var reason);
            if (!ok)
            {
                Assert.That(reason, Is.Not.EqualTo(LogLineRejection.None));
                Assert.That(knock, Is.EqualTo(default(KnockLine)));
                rejected++;
                continue;
            }

            accepted++;
            Assert.That(reason, Is.EqualTo(LogLineRejection.None));
            Assert.That(Oracle(Encoding.Latin1.GetString(line)), Is.EqualTo(knock), Encoding.Latin1.GetString(line));
        }

        // Both outcomes must be well represented, or the mutations test nothing.
        Assert.That(accepted, Is.GreaterThan(Iterations / 20));
        Assert.That(rejected, Is.GreaterThan(Iterations / 4));
    }

    [Test]
    public void Random_bytes_never_throw_and_are_never_accepted()
    {
        var random = new Random(99);
        var buffer = new byte[5000];
        for (var i = 0; i < Iterations; i++)
        {
            var line = buffer.AsSpan(0, random.Next(buffer.Length));
            random.NextBytes(line);
            if (random.Next(2) == 0 && line.Length >= 12)
            {
                "knockknock: "u8.CopyTo(line);
            }

            Assert.That(Parser.TryParse(line, out _, out _), Is.False);
        }
    }

    private static KnockLine RandomKnock(Random random)
    {
        var ipv6 = random.Next(3) == 0;
        var address = new byte[ipv6 ? 16 : 4];
        random.NextBytes(address);
        var hasTimestamp = random.Next(3) != 0;
        return new KnockLine(
            HostAddress.FromBytes(address),
            (ushort)random.Next(0, 65536),
            (ushort)random.Next(1, 65536),
            (uint)random.Next(0, ipv6 ? 1 << 20 : 1 << 16),
            (uint)random.NextInt64(0, 1L << 32),
            (uint)random.NextInt64(0, 1L << 32),
            (ushort)random.Next(0, 65536),
            hasTimestamp,
            hasTimestamp ? (uint)random.NextInt64(0, 1L << 32) : 0);
    }

    private static string Build(Random random, KnockLine k)
    {
        var flags = random.Next(4) switch { 0 => "CWR ECE SYN ", _ => "SYN " };
        var options = k.HasTimestamp ? KernelLines.Options(k.Timestamp) : random.Next(2) == 0 ? "OPT (020405B401010402) " : "";
        var tail = Optional[random.Next(Optional.Length)] + options + Optional[random.Next(Optional.Length)];
        var text = (uint value) => value.ToString(CultureInfo.InvariantCulture);
        if (k.Source.IsIPv6)
        {
            var bytes = new byte[16];
            k.Source.WriteBytes(bytes);
            var src = string.Join(':', Enumerable.Range(0, 8).Select(g => Convert.ToHexStringLower(bytes, 2 * g, 2)));
            return KernelLines.Tcp6(
                src: src, dpt: text(k.DestinationPort), flow: text(k.Carrier), seq: text(k.Sequence), ack: text(k.Acknowledgment),
                window: text(k.Window), flags: flags, extensions: random.Next(4) == 0 ? "OPT ( ) " : "", tail: tail, spt: text(k.SourcePort));
        }
        return KernelLines.Tcp(
            src: k.Source.ToString(), dpt: text(k.DestinationPort), id: text(k.Carrier), seq: text(k.Sequence), ack: text(k.Acknowledgment),
            window: text(k.Window), flags: flags, mac: random.Next(2) == 0 ? KernelLines.Mac : "",
            ipFlags: random.Next(4) switch { 0 => "", 1 => "DF OPT (01010100) ", _ => "DF " }, tail: tail, spt: text(k.SourcePort));
    }

    private static byte[] Mutate(Random random, byte[] line)
    {
        var bytes = new List<byte>(line);
        var count = random.Next(1, 4);
        for (var m = 0; m < count && bytes.Count > 0; m++)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(6))
            {
                case 0:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 1:
                    bytes[at] = (byte)random.Next('0', '9' + 1);
                    break;
                case 2:
                    bytes.RemoveRange(at, Math.Min(random.Next(1, 12), bytes.Count - at));
                    break;
                case 3:
                    bytes.InsertRange(at, Encoding.Latin1.GetBytes(Insertions[random.Next(Insertions.Length)]));
                    break;
                case 4:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                default:
                    // No-op mutation: the line stays valid.
                    break;
            }
        }

        return [.. bytes];
    }

    /// <summary>An independent, allocation-happy reading of the rules, used only to check accepted lines.</summary>
    private static KnockLine? Oracle(string line)
    {
        if (!line.StartsWith("knockknock: ", StringComparison.Ordinal) || line.Length > 4096 || line.Any(c => c < 0x20 || c == 0x7F))
        {
            return null;
        }

        // Outside brackets: OPT after URGP= is the TCP options (one token); OPT before it is skipped up to ')'.
        var tokens = line["knockknock: ".Length..].Split(' ');
        var outer = new List<string>();
        var depth = 0;
        var (optionsSeen, hasTimestamp, timestamp) = (false, false, 0u);
        for (var i = 0; i < tokens.Length; i++)
        {
            var token = tokens[i];
            if (token.Length == 0)
            {
                continue;
            }
            if (depth > 0 || token.Contains('[', StringComparison.Ordinal) || token.Contains(']', StringComparison.Ordinal))
            {
                foreach (var c in token)
                {
                    depth += c == '[' ? 1 : c == ']' ? -1 : 0;
                    if (depth < 0)
                    {
                        return null;
                    }
                }
                continue;
            }
            if (token != "OPT")
            {
                outer.Add(token);
                continue;
            }
            if (outer.Any(t => t.StartsWith("URGP=", StringComparison.Ordinal)))
            {
                if (optionsSeen || !TcpOptions(i + 1 < tokens.Length ? tokens[++i] : "", out hasTimestamp, out timestamp))
                {
                    return null;
                }
                optionsSeen = true;
                continue;
            }
            if (++i >= tokens.Length || !tokens[i].StartsWith('('))
            {
                return null;
            }
            while (!tokens[i].EndsWith(')'))
            {
                if (++i >= tokens.Length)
                {
                    return null;
                }
            }
        }

        string? One(string key)
        {
            var found = outer.Where(t => t.StartsWith(key, StringComparison.Ordinal)).ToList();
            return found.Count == 1 ? found[0][key.Length..] : null;
        }

        bool Flag(string name) => outer.Count(t => t == name) == 1;
        bool Canonical(string? s, ulong max, out ulong v)
        {
            v = 0;
            return s is not null && s.Length is > 0 and <= 10 && s.All(char.IsAsciiDigit) && (s == "0" || s[0] != '0')
                && ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out v) && v <= max;
        }

        if (depth != 0 || One("PROTO=") != "TCP" || !Flag("SYN") || outer.Any(t => t is "ACK" or "RST" or "FIN" or "PSH" or "URG")
            || outer.Count(t => t.StartsWith("URGP=", StringComparison.Ordinal)) > 1 || Source(One("SRC=")) is not { } address)
        {
            return null;
        }
        var (carrierKey, otherKey, carrierMax) = address.IsIPv4 ? ("ID=", "FLOWLBL=", 0xFFFFul) : ("FLOWLBL=", "ID=", 0xFFFFFul);
        if (outer.Any(t => t.StartsWith(otherKey, StringComparison.Ordinal)) || !Canonical(One(carrierKey), carrierMax, out var carrier)
            || !Canonical(One("SPT="), 65535, out var spt) || !Canonical(One("DPT="), 65535, out var dpt) || dpt == 0
            || !Canonical(One("SEQ="), uint.MaxValue, out var seq) || !Canonical(One("ACK="), uint.MaxValue, out var ack)
            || !Canonical(One("WINDOW="), 65535, out var window))
        {
            return null;
        }

        return new KnockLine(address, (ushort)spt, (ushort)dpt, (uint)carrier, (uint)seq, (uint)ack, (ushort)window, hasTimestamp, timestamp);
    }

    /// <summary>A dotted quad of canonical octets, or eight groups of four lower-case hex digits.</summary>
    private static HostAddress? Source(string? text)
    {
        if (text is null)
        {
            return null;
        }
        var octets = text.Split('.');
        if (octets.Length == 4 && octets.All(o => o.Length is > 0 and <= 3 && o.All(char.IsAsciiDigit) && (o == "0" || o[0] != '0') && int.Parse(o, CultureInfo.InvariantCulture) <= 255))
        {
            return HostAddress.FromBytes(octets.Select(o => byte.Parse(o, CultureInfo.InvariantCulture)).ToArray());
        }
        var groups = text.Split(':');
        return groups.Length == 8 && groups.All(g => g.Length == 4 && g.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f'))
            ? HostAddress.FromBytes(Convert.FromHexString(string.Concat(groups)))
            : null;
    }

    /// <summary>The TCP options token: "(HEX)", upper-case, whole 32-bit words, kind-length walk; TSval from kind 8.</summary>
    private static bool TcpOptions(string token, out bool hasTimestamp, out uint timestamp)
    {
        (hasTimestamp, timestamp) = (false, 0);
        if (token.Length < 2 || token[0] != '(' || token[^1] != ')')
        {
            return false;
        }
        var hex = token[1..^1];
        if (hex.Length is 0 or > 80 || hex.Length % 8 != 0 || !hex.All(c => char.IsAsciiDigit(c) || c is >= 'A' and <= 'F'))
        {
            return false;
        }
        var bytes = Convert.FromHexString(hex);
        for (var at = 0; at < bytes.Length && bytes[at] != 0;)
        {
            if (bytes[at] == 1)
            {
                at++;
                continue;
            }
            if (at + 1 >= bytes.Length || bytes[at + 1] < 2 || at + bytes[at + 1] > bytes.Length)
            {
                return false;
            }
            if (bytes[at] == 8)
            {
                if (bytes[at + 1] != 10 || hasTimestamp)
                {
                    return false;
                }
                (hasTimestamp, timestamp) = (true, BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(at + 2)));
            }
            at += bytes[at + 1];
        }
        return true;
    }
}
