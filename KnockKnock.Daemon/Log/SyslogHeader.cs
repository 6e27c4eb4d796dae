using System.Globalization;

namespace KnockKnock.Daemon.Log;

/// <summary>
/// Strips the header a syslog daemon writes before a kernel message in a file such as /var/log/kern.log.
/// </summary>
/// <remarks>
/// <para>Accepted headers, then the message:</para>
/// <code>
/// Nov 22 13:58:01 host kernel: [ 1234.5678] MESSAGE       (traditional; the day may be space-padded: "Nov  2")
/// 2024-11-22T13:58:01.123456+01:00 host kernel: MESSAGE    (RFC 3339, rsyslog's RSYSLOG_FileFormat)
/// </code>
/// <para>The timestamp is recognised by shape, the host is one token, the tag must be exactly
/// <c>kernel:</c>, and the <c>[seconds.fraction]</c> uptime some kernels and klogd add is optional.
/// Lines from any other program fail, so a <c>kernel:</c> or a log prefix inside another program's
/// message is never taken for a kernel line. A local process can still forge the <c>kernel</c> tag
/// through syslog(3); /dev/kmsg (<see cref="KmsgSource"/>) has no such gap. A forged line is at worst
/// a knock that fails its MAC.</para>
/// </remarks>
internal static class SyslogHeader
{
    public static bool TryStrip(ReadOnlySpan<byte> line, out ReadOnlySpan<byte> message)
    {
        message = default;
        if (line.IsEmpty)
        {
            return false;
        }
        ReadOnlySpan<byte> rest;
        if (IsAsciiDigit(line[0]))
        {
            // RFC 3339: one token "YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm)".
            var space = line.IndexOf((byte)' ');
            if (space < 20 || line[4] != (byte)'-' || line[10] != (byte)'T')
            {
                return false;
            }
            rest = line[(space + 1)..];
        }
        else if (!TrySkipTraditionalTimestamp(line, out rest))
        {
            return false;
        }
        var hostEnd = rest.IndexOf((byte)' ');
        if (hostEnd <= 0)
        {
            return false;
        }
        rest = rest[(hostEnd + 1)..];
        if (!rest.StartsWith("kernel: "u8))
        {
            return false;
        }
        rest = rest["kernel: ".Length..];
        if (!rest.IsEmpty && rest[0] == (byte)'[' && !TrySkipUptime(rest, out rest))
        {
            return false;
        }
        message = rest;
        return true;
    }

    /// <summary>
    /// When a line's header says it was logged: an RFC 3339 time with its offset, or the traditional
    /// "Mmm dd HH:MM:SS" in the local time zone, in the year that puts it at most a day after
    /// <paramref name="now"/> (the format has no year). Only lines read while catching up need it.
    /// </summary>
    public static bool TryReadTime(ReadOnlySpan<byte> line, DateTimeOffset now, out DateTimeOffset time)
    {
        time = default;
        if (line.IsEmpty)
        {
            return false;
        }
        if (IsAsciiDigit(line[0]))
        {
            var space = line.IndexOf((byte)' ');
            if (space < 20 || space > 40)
            {
                return false;
            }
            Span<char> text = stackalloc char[space];
            for (var i = 0; i < space; i++)
            {
                text[i] = (char)line[i];
            }
            return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces, out time);
        }
        if (!TrySkipTraditionalTimestamp(line, out _))
        {
            return false;
        }
        var month = 0;
        while (month < 12 && !Months.Slice(month * 3, 3).SequenceEqual(line[..3]))
        {
            month++;
        }
        if (month == 12)
        {
            return false;
        }
        var day = ((line[4] == (byte)' ' ? 0 : line[4] - '0') * 10) + (line[5] - '0');
        var (hour, minute, second) = (((line[7] - '0') * 10) + (line[8] - '0'), ((line[10] - '0') * 10) + (line[11] - '0'), ((line[13] - '0') * 10) + (line[14] - '0'));
        var local = TimeZoneInfo.ConvertTime(now, TimeZoneInfo.Local);
        for (var year = local.Year + 1; year >= local.Year - 1; year--)
        {
            if (day < 1 || day > DateTime.DaysInMonth(year, month + 1) || hour > 23 || minute > 59 || second > 59)
            {
                continue;
            }
            var wall = new DateTime(year, month + 1, day, hour, minute, second, DateTimeKind.Unspecified);
            var candidate = new DateTimeOffset(wall, TimeZoneInfo.Local.GetUtcOffset(wall));
            if (candidate <= now.AddDays(1))
            {
                time = candidate;
                return true;
            }
        }
        return false;
    }

    private static ReadOnlySpan<byte> Months => "JanFebMarAprMayJunJulAugSepOctNovDec"u8;

    /// <summary>"Mmm dd HH:MM:SS " with the day as "dd" or " d".</summary>
    private static bool TrySkipTraditionalTimestamp(ReadOnlySpan<byte> line, out ReadOnlySpan<byte> rest)
    {
        rest = default;
        const int Length = 16; // "Nov 22 13:58:01 "
        if (line.Length < Length
            || !IsAsciiLetter(line[0]) || !IsAsciiLetter(line[1]) || !IsAsciiLetter(line[2]) || line[3] != (byte)' '
            || !(line[4] == (byte)' ' || IsAsciiDigit(line[4])) || !IsAsciiDigit(line[5]) || line[6] != (byte)' '
            || !IsAsciiDigit(line[7]) || !IsAsciiDigit(line[8]) || line[9] != (byte)':'
            || !IsAsciiDigit(line[10]) || !IsAsciiDigit(line[11]) || line[12] != (byte)':'
            || !IsAsciiDigit(line[13]) || !IsAsciiDigit(line[14]) || line[15] != (byte)' ')
        {
            return false;
        }
        rest = line[Length..];
        return true;
    }

    /// <summary>"[ 1234.567890] ": '[', optional spaces, digits, '.', digits, "] ".</summary>
    private static bool TrySkipUptime(ReadOnlySpan<byte> text, out ReadOnlySpan<byte> rest)
    {
        rest = default;
        var i = 1;
        while (i < text.Length && text[i] == (byte)' ')
        {
            i++;
        }
        var digits = i;
        while (i < text.Length && IsAsciiDigit(text[i]))
        {
            i++;
        }
        if (i == digits || i >= text.Length || text[i] != (byte)'.')
        {
            return false;
        }
        i++;
        var fraction = i;
        while (i < text.Length && IsAsciiDigit(text[i]))
        {
            i++;
        }
        if (i == fraction || !text[i..].StartsWith("] "u8))
        {
            return false;
        }
        rest = text[(i + 2)..];
        return true;
    }

    private static bool IsAsciiDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';

    private static bool IsAsciiLetter(byte b) => b is (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'a' and <= (byte)'z');
}
