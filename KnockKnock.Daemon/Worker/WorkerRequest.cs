using System.Globalization;
using System.Text;

namespace KnockKnock.Daemon.Worker;

/// <summary>
/// One request to the root worker, one SOCK_SEQPACKET message of ASCII, no terminator, single spaces:
/// <list type="bullet">
/// <item><c>open PROFILE COUNTER ADDRESS PORT SECONDS</c>: the knock of PROFILE that used COUNTER
///   (decimal) asks to open PORT (1-65535) for ADDRESS (canonical text, <see cref="HostAddress.TryParse"/>)
///   for SECONDS (1-3600). The worker stores COUNTER+1 as the profile's counter before it opens.</item>
/// <item><c>flush</c>: remove every opening.</item>
/// <item><c>detach</c>: answer, then exit 0 keeping the openings (the kernel expires them); a reload by restart uses it.</item>
/// <item><c>check</c>: how the firewall under the worker fares (the daemon asks every minute).</item>
/// </list>
/// Replies: <c>ok</c>; <c>refused REASON</c> (nothing stored, nothing opened: the counter is still
/// unused); <c>failed REASON</c> (the counter is used up, but the firewall did not open). To
/// <c>check</c>: <c>ok RECREATED UNLOGGED</c>, RECREATED the Unix time (seconds) when the worker last
/// had to recreate what openings need after a reload removed it, or <c>-</c>; UNLOGGED how many
/// knock ports lack a LOG rule for a family (<see cref="Firewall.UnloggedPort"/>; 0 when none), or
/// <c>?</c> when the ruleset could not be read.
/// The worker re-validates every message with <see cref="TryParse"/> and then against its
/// <see cref="WorkerPolicy"/>: it trusts nothing it reads.
/// </summary>
internal readonly record struct WorkerRequest
{
    public const int MaxLength = 192;
    public const int MaxSeconds = WorkerPolicy.MaxDelaySeconds;

    public WorkerRequestKind Kind { get; }
    public string Profile { get; }
    public ulong Counter { get; }
    public HostAddress Source { get; }
    public ushort Port { get; }
    public int Seconds { get; }

    private WorkerRequest(WorkerRequestKind kind, string profile, ulong counter, HostAddress source, ushort port, int seconds)
        => (Kind, Profile, Counter, Source, Port, Seconds) = (kind, profile, counter, source, port, seconds);

    public static WorkerRequest Flush { get; } = new(WorkerRequestKind.Flush, "", 0, default, 0, 0);

    public static WorkerRequest Detach { get; } = new(WorkerRequestKind.Detach, "", 0, default, 0, 0);

    public static WorkerRequest Check { get; } = new(WorkerRequestKind.Check, "", 0, default, 0, 0);

    public static WorkerRequest Open(string profile, ulong counter, HostAddress source, ushort port, int seconds)
    {
        ArgumentNullException.ThrowIfNull(profile);
        if (!WorkerPolicy.IsProfileName(profile))
        {
            throw new ArgumentException($"not a profile name: {profile}", nameof(profile));
        }
        ArgumentOutOfRangeException.ThrowIfZero(port);
        ArgumentOutOfRangeException.ThrowIfLessThan(seconds, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(seconds, MaxSeconds);
        return new(WorkerRequestKind.Open, profile, counter, source, port, seconds);
    }

    public byte[] Encode() => Encoding.ASCII.GetBytes(Kind switch
    {
        WorkerRequestKind.Flush => "flush",
        WorkerRequestKind.Detach => "detach",
        WorkerRequestKind.Check => "check",
        _ => string.Create(CultureInfo.InvariantCulture, $"open {Profile} {Counter} {Source} {Port} {Seconds}"),
    });

    public static bool TryParse(ReadOnlySpan<byte> message, out WorkerRequest request, out string error)
    {
        request = default;
        if (message.Length is 0 or > MaxLength)
        {
            error = "bad length";
            return false;
        }
        foreach (var b in message)
        {
            if (b is < 0x20 or > 0x7e)
            {
                error = "not printable ASCII";
                return false;
            }
        }
        // Only printable ASCII is left, so this decoding is exact.
        var parts = Encoding.ASCII.GetString(message).Split(' ');
        if (parts is ["flush"] or ["detach"] or ["check"])
        {
            request = parts[0] switch
            {
                "flush" => Flush,
                "detach" => Detach,
                _ => Check,
            };
            error = "";
            return true;
        }
        if (parts is not ["open", var profile, var counterText, var address, var portText, var secondsText])
        {
            error = "unknown request";
            return false;
        }
        var counter = 0UL;
        var source = default(HostAddress);
        var (port, seconds) = (0, 0);
        error = !WorkerPolicy.IsProfileName(profile) ? "bad profile name"
            : !TryParseCounter(counterText, out counter) ? "bad counter"
            : !HostAddress.TryParse(address, out source) ? "bad address"
            : !TryParseNumber(portText, 65535, out port) || port == 0 ? "bad port"
            : !TryParseNumber(secondsText, MaxSeconds, out seconds) || seconds == 0 ? "bad seconds"
            : "";
        if (error.Length > 0)
        {
            return false;
        }
        request = new(WorkerRequestKind.Open, profile, counter, source, checked((ushort)port), seconds);
        return true;
    }

    /// <summary>1-5 ASCII digits, no sign, no leading zero (but "0" itself), at most <paramref name="max"/>.</summary>
    internal static bool TryParseNumber(string text, int max, out int value)
    {
        value = 0;
        if (text.Length is 0 or > 5 || (text.Length > 1 && text[0] == '0'))
        {
            return false;
        }
        foreach (var c in text)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
            value = (value * 10) + (c - '0');
        }
        return value <= max;
    }

    /// <summary>A 64-bit counter in plain decimal, as formatted: no sign, no leading zero.</summary>
    private static bool TryParseCounter(string text, out ulong counter)
        => ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out counter) && counter.ToString(CultureInfo.InvariantCulture) == text;
}
