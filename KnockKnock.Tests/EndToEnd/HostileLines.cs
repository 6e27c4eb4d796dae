using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using KnockKnock.Crypto.Counters;
using KnockKnock.Crypto.Profiles;
using KnockKnock.Crypto.Protocol;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.EndToEnd;

/// <summary>
/// Hostile syslog lines for the daemon's file source, built from two real LOG messages: one whose
/// knock was already accepted (any mutation of it is at best a replay) and one carrying a valid,
/// never-used knock (only mutations that the parser documents as rejected are made of it, so a lax
/// parser would open). Deterministic for a seed.
/// </summary>
internal static partial class HostileLines
{
    private static readonly string[] s_fieldNames = ["IN", "OUT", "MAC", "SRC", "DST", "LEN", "TOS", "PREC", "TTL", "ID", "PROTO", "SPT", "DPT", "SEQ", "ACK", "WINDOW", "RES", "URGP"];

    /// <summary>The lines (each ending in '\n') and how many of them the daemon must count as rejected knock-prefixed lines.</summary>
    public static (List<byte[]> Lines, int Counted) Generate(int count, string consumed, string fresh, int seed)
    {
        var random = new Random(seed);
        var lines = new List<byte[]>(count);
        var counted = 0;
        var header = KernelLogForwarder.Header;
        for (var i = 0; i < count; i++)
        {
            var kind = i % 20;
            string message;
            var lineHeader = header;
            if (kind < 7)
            {
                message = MutateConsumed(consumed, random);
            }
            else if (kind < 11)
            {
                (lineHeader, message) = MustRejectFresh(fresh, random, header);
            }
            else if (kind < 14)
            {
                var bytes = new byte[random.Next(1, 400)];
                random.NextBytes(bytes);
                for (var b = 0; b < bytes.Length; b++)
                {
                    bytes[b] = bytes[b] == (byte)'\n' ? (byte)'x' : bytes[b];
                }
                var withHeader = random.Next(2) == 0;
                lines.Add([.. Encoding.ASCII.GetBytes(withHeader ? header : ""), .. bytes, (byte)'\n']);
                continue;
            }
            else if (kind < 16)
            {
                message = Icmp(fresh, random);
            }
            else
            {
                message = WrongFields(consumed, random);
            }
            var line = Encoding.UTF8.GetBytes(lineHeader + message + "\n");
            if (lineHeader == header && message.StartsWith(KnockSite.Prefix, StringComparison.Ordinal) && line.Length - header.Length - 1 <= 4096)
            {
                counted++;
            }
            lines.Add(line);
        }
        return (lines, counted);
    }

    /// <summary>The message of <paramref name="template"/> with the fields and source port of another knock.</summary>
    public static string WithKnock(string template, KnockFields fields, ushort sourcePort)
    {
        var line = Replace(template, "ID", fields.Id.ToString(CultureInfo.InvariantCulture));
        line = Replace(line, "SEQ", fields.Sequence.ToString(CultureInfo.InvariantCulture));
        line = Replace(line, "ACK", fields.Acknowledgment.ToString(CultureInfo.InvariantCulture));
        line = Replace(line, "WINDOW", fields.Window.ToString(CultureInfo.InvariantCulture));
        return Replace(line, "SPT", sourcePort.ToString(CultureInfo.InvariantCulture));
    }

    private static string Replace(string line, string field, string value)
        => Regex.Replace(line, $@"(?<=(^|\s){field}=)\S*", value);

    private static string MutateConsumed(string line, Random random)
    {
        var tokens = line.Split(' ').ToList();
        var at = random.Next(1, tokens.Count);
        switch (random.Next(14))
        {
            case 0:
                return line; // the exact replay
            case 1:
                tokens.RemoveAt(at);
                break;
            case 2:
                tokens.Insert(at, tokens[random.Next(1, tokens.Count)]);
                break;
            case 3:
                (tokens[at], tokens[^1]) = (tokens[^1], tokens[at]);
                break;
            case 4:
                return line[..random.Next(0, line.Length)];
            case 5:
                return line.Insert(random.Next(0, line.Length), ((char)random.Next(0x20, 0x7f)).ToString());
            case 6:
                return Replace(line, "SRC", $"198.18.{random.Next(256)}.{random.Next(256)}");
            case 7:
                return Replace(line, "DPT", random.Next(1, 65536).ToString(CultureInfo.InvariantCulture));
            case 8:
                return Replace(line, s_fieldNames[random.Next(s_fieldNames.Length)], random.Next(6) switch
                {
                    0 => "4294967296",
                    1 => "-1",
                    2 => "0" + random.Next(1, 9),
                    3 => "0x1f",
                    4 => "99999999999999999999",
                    _ => "",
                });
            case 9:
                return line.Replace(" SYN ", " ", StringComparison.Ordinal);
            case 10:
                return line.Replace(" SYN ", random.Next(2) == 0 ? " ACK SYN " : " SYN RST ", StringComparison.Ordinal);
            case 11:
                return line.Replace(' ', '\t');
            case 12:
                return Replace(line, "SEQ", "１２３"); // full-width digits
            default:
                return line + "\0" + line;
        }
        return string.Join(' ', tokens);
    }

    /// <summary>A valid unused knock, broken in a way LogLineParser, SyslogHeader or FileSource documents as refused.</summary>
    private static (string Header, string Message) MustRejectFresh(string fresh, Random random, string header)
    {
        var seq = KnockSite.Field(fresh, "SEQ");
        return random.Next(16) switch
        {
            0 => (header, fresh.Replace(" PROTO=TCP ", " PROTO=UDP ", StringComparison.Ordinal)),
            1 => (header, fresh.Replace(" SYN ", " ", StringComparison.Ordinal)),
            2 => (header, fresh.Replace(" SYN ", " ACK SYN ", StringComparison.Ordinal)),
            3 => (header, fresh.Replace(" SYN ", " SYN FIN ", StringComparison.Ordinal)),
            4 => (header, fresh + $" SEQ={seq}"),
            5 => (header, Replace(fresh, "SEQ", "0" + seq)),
            6 => (header, fresh.Replace(" SYN ", " SYN \u0001", StringComparison.Ordinal)),
            7 => (header, "x" + fresh),
            8 => (header, "[12345.678901] " + fresh),
            9 => (header, fresh + " ]"),
            10 => (header, fresh.Replace(" SRC=", " [SRC=", StringComparison.Ordinal)),
            11 => (header, fresh + " " + new string('A', random.Next(4100, 20000))),
            12 => ("Nov 22 14:00:00 host sshd[123]: ", fresh),
            13 => ("", fresh),
            14 => ("2024-11-22T13:58:01.123456+01:00 host kern: ", fresh),
            _ => (header, fresh.Replace(" PROTO=TCP ", " PROTO=TCP PROTO=TCP ", StringComparison.Ordinal)),
        };
    }

    /// <summary>An ICMP error quoting the valid unused knock inside brackets: the quoted fields must never count.</summary>
    private static string Icmp(string fresh, Random random)
    {
        var src = KnockSite.Field(fresh, "SRC");
        var dst = KnockSite.Field(fresh, "DST");
        var inner = fresh[(fresh.IndexOf(" SRC=", StringComparison.Ordinal) + 1)..].TrimEnd();
        return random.Next(2) == 0
            ? $"{KnockSite.Prefix}IN=veth0 OUT= MAC= SRC={dst} DST={src} LEN=68 TOS=0x00 PREC=0x00 TTL=64 ID={random.Next(65536)} PROTO=ICMP TYPE=3 CODE=3 [{inner} ] "
            // An outer TCP line whose knock fields exist only inside brackets.
            : $"{KnockSite.Prefix}IN=veth0 OUT= MAC= SRC={src} DST={dst} LEN=40 TOS=0x00 PREC=0x00 TTL=64 PROTO=TCP SPT=1 DPT={KnockSite.Field(fresh, "DPT")} SYN URGP=0 [{inner} ] ";
    }

    /// <summary>The prefix, then tokens that look like LOG fields with wrong or missing values.</summary>
    private static string WrongFields(string consumed, Random random)
    {
        var text = new StringBuilder(KnockSite.Prefix);
        foreach (var token in consumed[KnockSite.Prefix.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (random.Next(5) == 0)
            {
                continue;
            }
            var equals = token.IndexOf('=', StringComparison.Ordinal);
            text.Append(equals < 0 || random.Next(3) != 0 ? token : token[..(equals + 1)] + random.Next(4) switch
            {
                0 => "abc",
                1 => random.Next().ToString("x", CultureInfo.InvariantCulture),
                2 => new string('9', random.Next(1, 30)),
                _ => "256.1.1.1",
            });
            text.Append(' ');
        }
        return text.ToString();
    }
}
