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
    private static readonly string[] Optional = ["UID=0 GID=0 ", "MARK=0x1 ", "OPT (020405B4) ", "[SRC=9.9.9.9 DPT=1 SEQ=2 ACK=3 WINDOW=4 ID=5 SYN ] ", "INCOMPLETE [8 bytes] ", ""];
    private static readonly string[] Insertions = [" ", "[", "]", "SYN ", "ACK ", "SEQ=1 ", "DPT=0 ", "PROTO=UDP ", "0", "9", ".", "=", "\n", "\u00ff", "knockknock: "];

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

    private static KnockLine RandomKnock(Random random) => new(
        HostAddress.FromBytes(BitConverter.GetBytes(random.Next())),
        (ushort)random.Next(1, 65536),
        (ushort)random.Next(0, 65536),
        (uint)random.NextInt64(0, 1L << 32),
        (uint)random.NextInt64(0, 1L << 32),
        (ushort)random.Next(0, 65536));

    private static string Build(Random random, KnockLine k)
    {
        var src = k.Source.ToString();
        var flags = random.Next(4) switch { 0 => "CWR ECE SYN ", _ => "SYN " };
        return KernelLines.Tcp(
            src: src,
            dpt: k.DestinationPort.ToString(CultureInfo.InvariantCulture),
            id: k.Id.ToString(CultureInfo.InvariantCulture),
            seq: k.Sequence.ToString(CultureInfo.InvariantCulture),
            ack: k.Acknowledgment.ToString(CultureInfo.InvariantCulture),
            window: k.Window.ToString(CultureInfo.InvariantCulture),
            flags: flags,
            mac: random.Next(2) == 0 ? KernelLines.Mac : "",
            ipFlags: random.Next(2) == 0 ? "DF " : "",
            tail: Optional[random.Next(Optional.Length)] + Optional[random.Next(Optional.Length)]);
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

        var outer = new List<string>();
        var depth = 0;
        foreach (var token in line["knockknock: ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (depth == 0 && !token.Contains('[', StringComparison.Ordinal) && !token.Contains(']', StringComparison.Ordinal))
            {
                outer.Add(token);
                continue;
            }

            foreach (var c in token)
            {
                depth += c == '[' ? 1 : c == ']' ? -1 : 0;
                if (depth < 0)
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

        var src = One("SRC=");
        var octets = src?.Split('.') ?? [];
        if (depth != 0 || One("PROTO=") != "TCP" || !Flag("SYN") || outer.Any(t => t is "ACK" or "RST" or "FIN" or "PSH" or "URG")
            || octets.Length != 4)
        {
            return null;
        }

        uint value = 0;
        foreach (var octet in octets)
        {
            if (octet.Length > 3 || !Canonical(octet, 255, out var o))
            {
                return null;
            }

            value = (value << 8) | (uint)o;
        }

        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        var address = HostAddress.FromBytes(bytes);

        if (!Canonical(One("DPT="), 65535, out var dpt) || dpt == 0 || !Canonical(One("ID="), 65535, out var id)
            || !Canonical(One("SEQ="), uint.MaxValue, out var seq) || !Canonical(One("ACK="), uint.MaxValue, out var ack)
            || !Canonical(One("WINDOW="), 65535, out var window))
        {
            return null;
        }

        return new KnockLine(address, (ushort)dpt, (ushort)id, (uint)seq, (uint)ack, (ushort)window);
    }
}
