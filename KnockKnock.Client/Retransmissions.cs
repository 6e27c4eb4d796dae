using System.Diagnostics;
using System.Globalization;
using Tmds.Linux;

namespace KnockKnock.Client;

/// <summary>
/// The decoy retransmissions of a v2 knock: a connect() to a port that drops its SYN sends the SYN
/// again on a schedule, and a knock that never does would stand out. After the knock, the client
/// starts a copy of itself, detached (own session, standard streams on /dev/null), that inherits
/// the open raw socket, drops every capability and sends what Linux would: the same ports and
/// sequence number, the IP ID + 1 (IPv4) or a new flow label (IPv6), TSval advanced by the
/// elapsed milliseconds, at the times <see cref="Schedule"/> gives. The daemon recognises them as
/// retransmissions of a knock it used (not attacks, not second knocks). The client does not wait.
/// </summary>
/// <remarks>
/// The copy never opens a socket: it sends only through the descriptor it was given, so running it
/// by hand (with the file capability of a setcap install) grants nothing. It reads the knock from a
/// pipe on its standard input, never from its command line, which other local users can read.
/// </remarks>
internal static class Retransmissions
{
    /// <summary>The hidden first argument that makes the client the retransmitting copy; followed by the raw socket's descriptor number.</summary>
    public const string ChildArgument = "--internal-retransmit";

    // include/net/tcp.h: TCP_TIMEOUT_INIT (the first SYN timeout) and TCP_RTO_MAX (120 s), the defaults of tcp_rto_max_ms.
    private const int InitialTimeoutMilliseconds = 1000;
    private const int MaximumTimeoutMilliseconds = 120_000;

    /// <summary>Starts the retransmitting copy for a knock sent at <paramref name="sentTimestamp"/> (a <see cref="Stopwatch"/> timestamp); returns its pid.</summary>
    public static int Start(RawSender sender, TcpSyn knock, long sentTimestamp)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath ?? "/proc/self/exe")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(ChildArgument);
        start.ArgumentList.Add(sender.Socket.Fd.ToString(CultureInfo.InvariantCulture));
        Interop.SetCloseOnExec(sender.Socket, false);
        Process child;
        try
        {
            child = Process.Start(start) ?? throw new IOException("the retransmitting process did not start");
        }
        finally
        {
            Interop.SetCloseOnExec(sender.Socket, true);
        }
        using (child)
        {
            child.StandardInput.Write(FormattableString.Invariant($"{sentTimestamp} {Convert.ToHexString(knock.Bytes)}\n"));
            child.StandardInput.Close();
            return child.Id;
        }
    }

    /// <summary>The retransmitting copy: argument <c>FD</c>, the knock on standard input. Exit code 0 after the last retransmission.</summary>
    public static int RunChild(string descriptor)
    {
        Interop.DropAllCapabilities();
        if (!int.TryParse(descriptor, NumberStyles.None, CultureInfo.InvariantCulture, out var fd) || fd < 3 || Interop.DescriptorFlags(fd) is null)
        {
            throw KnockKnockException.Usage($"{ChildArgument} is for the client's own use");
        }
        using var sender = RawSender.FromInherited(new FileDescriptorHandle(fd));
        var line = Console.In.ReadLine()?.Split(' ');
        if (line is not [var sentText, var packetText]
            || !long.TryParse(sentText, NumberStyles.None, CultureInfo.InvariantCulture, out var sent)
            || !TryFromHex(packetText, out var bytes)
            || !TcpSyn.TryRead(bytes, out var knock))
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
        var number = 0;
        foreach (var at in Schedule(ReadSysctl("tcp_syn_retries", 6), ReadSysctl("tcp_syn_linear_timeouts", 0), ReadSysctl("tcp_rto_max_ms", MaximumTimeoutMilliseconds)))
        {
            var wait = at - Stopwatch.GetElapsedTime(sent);
            if (wait > TimeSpan.Zero)
            {
                Thread.Sleep(wait);
            }
            number++;
            sender.Send(knock.ToRetransmission(number, (uint)Stopwatch.GetElapsedTime(sent).TotalMilliseconds).Bytes);
        }
        return ExitCodes.Ok;
    }

    /// <summary>
    /// When Linux retransmits an unanswered SYN, counted from the first: tcp_syn_retries plus
    /// tcp_syn_linear_timeouts retransmissions (Linux 6.17+; older kernels have no linear ones), the
    /// first linear_timeouts + 1 of them 1 s apart, then the interval doubling, each at most
    /// tcp_rto_max_ms (net/ipv4/tcp_timer.c). Linux 6.18 defaults: +1, 2, 3, 4, 5, 7, 11, 19, 35, 67 s.
    /// </summary>
    public static IEnumerable<TimeSpan> Schedule(int synRetries, int linearTimeouts, int maximumTimeoutMilliseconds)
    {
        var at = 0L;
        var interval = (long)InitialTimeoutMilliseconds;
        for (var number = 1; number <= synRetries + linearTimeouts; number++)
        {
            at += Math.Min(interval, maximumTimeoutMilliseconds);
            yield return TimeSpan.FromMilliseconds(at);
            if (number > linearTimeouts)
            {
                interval = Math.Min(interval * 2, maximumTimeoutMilliseconds);
            }
        }
    }

    /// <summary>An integer from /proc/sys/net/ipv4/NAME, or <paramref name="absent"/> when this kernel has no such setting.</summary>
    private static int ReadSysctl(string name, int absent)
    {
        var path = "/proc/sys/net/ipv4/" + name;
        return File.Exists(path) && int.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : absent;
    }

    private static bool TryFromHex(string text, out byte[] bytes)
    {
        try
        {
            bytes = Convert.FromHexString(text);
            return true;
        }
        catch (FormatException)
        {
            bytes = [];
            return false;
        }
    }
}
