using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using Tmds.Linux;

namespace KnockKnock.Client;

/// <summary>
/// The decoy retransmissions of a v2 knock: a connect() to a port that drops its SYN sends the SYN
/// again on a schedule, and a knock that never did would stand out. After the knock the client
/// starts a copy of itself that sends what Linux would, when Linux would (<see cref="Intervals"/>,
/// <see cref="TimerLateness"/>): the same ports and sequence number, the IP ID + 1 (IPv4) or a new
/// flow label (IPv6), TSval advanced by the elapsed milliseconds, ECN set-up flags cleared. The
/// daemon recognises them as retransmissions of a knock it used. The client does not wait, and the
/// copy runs at nice 19 from before its runtime starts (Native/copy.c, in the published client):
/// its start-up must not slow what the user runs after the knock (ssh).
/// </summary>
/// <remarks>
/// The copy holds the raw socket for a minute or more, so it must give nobody a way to it: it is
/// an <see cref="UnprivilegedCopy"/> (no capability in any thread, non-dumpable, the raw socket
/// and the knock received over a socket pair and checked), root's leaves uid 0 for nobody first
/// thing, and it leaves the caller's directory.
/// Run by hand it has no raw socket and no capability to make one, so it grants nothing.
/// </remarks>
internal static class Retransmissions
{
    /// <summary>The hidden first argument that makes the client the retransmitting copy; followed by the descriptor of its end of the socket pair.</summary>
    public const string ChildArgument = "--internal-retransmit";

    // include/net/tcp.h: TCP_TIMEOUT_INIT (the first SYN timeout) and TCP_RTO_MAX (120 s), the defaults of tcp_rto_max_ms.
    private const int InitialTimeoutMilliseconds = 1000;
    private const int MaximumTimeoutMilliseconds = 120_000;

    // The message: the Stopwatch timestamp of the knock's send (8 bytes, little-endian), then the knock.
    private const int TimestampSize = 8;

    /// <summary>Starts the retransmitting copy for a knock sent at <paramref name="sentTimestamp"/> (a <see cref="Stopwatch"/> timestamp); returns its pid.</summary>
    public static int Start(RawSender sender, TcpSyn knock, long sentTimestamp)
    {
        var (ours, theirs) = Interop.SocketPairSeqPacket();
        using (ours)
        {
            int pid;
            // Root's copy leaves uid 0 for nobody (a uid 0 without capabilities would still own root's files).
            using (theirs)
            {
                pid = UnprivilegedCopy.Start(ChildArgument, theirs, [], nullStandardStreams: true, leaveRoot: true);
            }
            Span<byte> message = stackalloc byte[TimestampSize + knock.Bytes.Length];
            BinaryPrimitives.WriteInt64LittleEndian(message, sentTimestamp);
            knock.Bytes.CopyTo(message[TimestampSize..]);
            Interop.SendWithDescriptor(ours, message, sender.Socket);
            return pid;
        }
    }

    /// <summary>The retransmitting copy (see the remarks): argument <c>FD</c>, the socket pair's end. Exit code 0 after the last retransmission.</summary>
    public static int RunChild(string descriptor)
    {
        using var channel = UnprivilegedCopy.TakeChannel(ChildArgument, descriptor, leaveRoot: true);
        Environment.CurrentDirectory = "/";

        Span<byte> message = stackalloc byte[TimestampSize + TcpSyn.MaximumLength];
        var length = Interop.ReceiveWithDescriptor(channel, message, out var socket);
        using (socket)
        {
            if (length < TimestampSize || socket is null || !RawSender.IsRawSocket(socket)
                || Stopwatch.GetElapsedTime(BinaryPrimitives.ReadInt64LittleEndian(message)) is var age && (age < TimeSpan.Zero || age > TimeSpan.FromSeconds(10))
                || !TcpSyn.TryRead(message[TimestampSize..length], out var knock))
            {
                throw KnockKnockException.Usage($"{ChildArgument} is for the client's own use");
            }
            Interop.StartSession();
            using (var devNull = Interop.Open("/dev/null", LibC.O_RDWR, 0))
            {
                Interop.Dup2(devNull, 0);
                Interop.Dup2(devNull, 1);
                Interop.Dup2(devNull, 2);
            }
            Send(RawSender.FromHandedOver(socket), knock, BinaryPrimitives.ReadInt64LittleEndian(message));
        }
        return ExitCodes.Ok;
    }

    private static void Send(RawSender sender, TcpSyn knock, long sent)
    {
        var clearEcn = ReadSysctl("tcp_ecn_fallback", 1) != 0;
        var previous = sent;
        var number = 0;
        foreach (var interval in Intervals(ReadSysctl("tcp_syn_retries", 6), ReadSysctl("tcp_syn_linear_timeouts", 0), ReadSysctl("tcp_rto_max_ms", MaximumTimeoutMilliseconds)))
        {
            // The kernel re-arms the timer when it fires: each interval counts from the last send.
            var wait = interval + TimerLateness(interval, Random.Shared.NextDouble(), Random.Shared.NextDouble()) - Stopwatch.GetElapsedTime(previous);
            if (wait > TimeSpan.Zero)
            {
                Thread.Sleep(wait);
            }
            number++;
            previous = Stopwatch.GetTimestamp();
            sender.Send(knock.ToRetransmission(number, (uint)Stopwatch.GetElapsedTime(sent, previous).TotalMilliseconds, clearEcn).Bytes);
        }
    }

    /// <summary>
    /// The intervals between Linux's retransmissions of an unanswered SYN: tcp_syn_retries plus
    /// tcp_syn_linear_timeouts of them (Linux 6.17+; older kernels have no linear ones), the first
    /// linear_timeouts + 1 of 1 s, then doubling, each at most tcp_rto_max_ms (net/ipv4/tcp_timer.c).
    /// Linux 6.18 defaults: 1, 1, 1, 1, 1, 2, 4, 8, 16, 32 s (sent at +1, 2, 3, 4, 5, 7, 11, 19, 35, 67 s).
    /// </summary>
    public static IEnumerable<TimeSpan> Intervals(int synRetries, int linearTimeouts, int maximumTimeoutMilliseconds)
    {
        var interval = (long)Math.Min(InitialTimeoutMilliseconds, maximumTimeoutMilliseconds);
        for (var number = 1; number <= synRetries + linearTimeouts; number++)
        {
            yield return TimeSpan.FromMilliseconds(interval);
            if (number > linearTimeouts)
            {
                interval = Math.Min(interval * 2, maximumTimeoutMilliseconds);
            }
        }
    }

    /// <summary>
    /// How late the kernel's retransmission timer fires after <paramref name="interval"/>: the timer
    /// wheel rounds a timeout up to its level's granularity, which measured 13 – 30 ms after 1 s,
    /// 37 – 54 ms after 2 s and 53 – 74 ms after 4 s on Linux 6.18. Modelled as 1 – 2 % of the
    /// interval plus 0 – 20 ms, from two uniform draws in [0, 1).
    /// </summary>
    public static TimeSpan TimerLateness(TimeSpan interval, double proportional, double constant)
        => (interval * (0.01 + (0.01 * proportional))) + TimeSpan.FromMilliseconds(20 * constant);

    /// <summary>An integer from /proc/sys/net/ipv4/NAME, or <paramref name="absent"/> when this kernel has no such setting.</summary>
    private static int ReadSysctl(string name, int absent)
    {
        var path = "/proc/sys/net/ipv4/" + name;
        return File.Exists(path) && int.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : absent;
    }
}
