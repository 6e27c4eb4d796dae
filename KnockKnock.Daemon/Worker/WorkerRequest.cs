using System.Globalization;
using System.Text;

namespace KnockKnock.Daemon.Worker;

/// <summary>
/// One request to the root worker, one SOCK_SEQPACKET message of ASCII, no terminator:
/// <c>open ADDRESS PORT SECONDS</c> (the address in canonical text, <see cref="HostAddress.TryParse"/>; port 1-65535,
/// seconds 1-3600, single spaces), <c>flush</c> (remove every opening) or <c>detach</c> (answer, then
/// exit 0 keeping the openings: the kernel expires them; a reload by restart uses it). Replies are <c>ok</c> or <c>error TEXT</c>.
/// The worker re-validates every message with <see cref="TryParse"/>: it trusts nothing it reads.
/// </summary>
internal readonly record struct WorkerRequest
{
    public const int MaxLength = 64;
    public const int MaxSeconds = 3600;

    public WorkerRequestKind Kind { get; }
    public HostAddress Source { get; }
    public ushort Port { get; }
    public int Seconds { get; }

    private WorkerRequest(WorkerRequestKind kind, HostAddress source, ushort port, int seconds)
        => (Kind, Source, Port, Seconds) = (kind, source, port, seconds);

    public static WorkerRequest Flush { get; } = new(WorkerRequestKind.Flush, default, 0, 0);

    public static WorkerRequest Detach { get; } = new(WorkerRequestKind.Detach, default, 0, 0);

    public static WorkerRequest Open(HostAddress source, ushort port, int seconds)
    {
        ArgumentOutOfRangeException.ThrowIfZero(port);
        ArgumentOutOfRangeException.ThrowIfLessThan(seconds, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(seconds, MaxSeconds);
        return new(WorkerRequestKind.Open, source, port, seconds);
    }

    public byte[] Encode() => Encoding.ASCII.GetBytes(Kind switch
    {
        WorkerRequestKind.Flush => "flush",
        WorkerRequestKind.Detach => "detach",
        _ => string.Create(CultureInfo.InvariantCulture, $"open {Source} {Port} {Seconds}"),
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
        if (parts is ["flush"] or ["detach"])
        {
            request = parts[0] == "flush" ? Flush : Detach;
            error = "";
            return true;
        }
        if (parts is not ["open", var address, var portText, var secondsText])
        {
            error = "unknown request";
            return false;
        }
        if (!HostAddress.TryParse(address, out var source))
        {
            error = "bad address";
            return false;
        }
        if (!TryParseNumber(portText, 65535, out var port) || port == 0)
        {
            error = "bad port";
            return false;
        }
        if (!TryParseNumber(secondsText, MaxSeconds, out var seconds) || seconds == 0)
        {
            error = "bad seconds";
            return false;
        }
        request = new(WorkerRequestKind.Open, source, checked((ushort)port), seconds);
        error = "";
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
}
