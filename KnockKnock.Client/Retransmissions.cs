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
/// daemon recognises them as retransmissions of a knock it used. The client does not wait.
/// </summary>
/// <remarks>
/// The copy holds the raw socket for a minute or more, so it must give nobody a way to it:
/// <list type="bullet">
/// <item>it is started from <c>/proc/self/exe</c> (this very file, whatever its path now names) by a
///   thread that set no_new_privs and emptied its own capability sets, so the exec grants it no file
///   capability: no thread of a setcap client's copy ever has one (root's copy leaves uid 0 first thing);</item>
/// <item>it makes itself non-dumpable first (no ptrace, no pidfd_getfd, no /proc/PID/fd for the
///   user's other processes), drops root to nobody if it is root, checks every thread holds no
///   capability, closes every descriptor it inherited by accident and leaves the caller's directory;</item>
/// <item>only then does it receive the raw socket and the knock, over a unix socket pair, as
///   SCM_RIGHTS (never on its command line, which others can read), and checks it is one.</item>
/// </list>
/// Run by hand it has no raw socket and no capability to make one, so it grants nothing.
/// </remarks>
internal static class Retransmissions
{
    /// <summary>The hidden first argument that makes the client the retransmitting copy; followed by the descriptor of its end of the socket pair.</summary>
    public const string ChildArgument = "--internal-retransmit";

    // include/net/tcp.h: TCP_TIMEOUT_INIT (the first SYN timeout) and TCP_RTO_MAX (120 s), the defaults of tcp_rto_max_ms.
    private const int InitialTimeoutMilliseconds = 1000;
    private const int MaximumTimeoutMilliseconds = 120_000;

    private const uint NobodyId = 65534;

    // The message: the Stopwatch timestamp of the knock's send (8 bytes, little-endian), then the knock.
    private const int TimestampSize = 8;

    /// <summary>Starts the retransmitting copy for a knock sent at <paramref name="sentTimestamp"/> (a <see cref="Stopwatch"/> timestamp); returns its pid.</summary>
    public static int Start(RawSender sender, TcpSyn knock, long sentTimestamp)
    {
        var (ours, theirs) = Interop.SocketPairSeqPacket();
        using (ours)
        {
            int pid;
            using (theirs)
            {
                Interop.SetCloseOnExec(theirs, false);
                pid = StartUnprivileged(theirs.Fd);
            }
            Span<byte> message = stackalloc byte[TimestampSize + knock.Bytes.Length];
            BinaryPrimitives.WriteInt64LittleEndian(message, sentTimestamp);
            knock.Bytes.CopyTo(message[TimestampSize..]);
            Interop.SendWithDescriptor(ours, message, sender.Socket);
            return pid;
        }
    }

    // Forks the copy from a thread of its own that first sets no_new_privs and, unless it is root,
    // empties its own capability sets (both per thread, and inherited by the fork): with
    // no_new_privs an exec can grant no more than the forking thread holds, so a setcap client's
    // copy starts with none. Root's copy keeps them just long enough to leave uid 0 for nobody (a
    // uid 0 without capabilities would still own root's files). The thread ends after the fork; the
    // client's other threads keep their capabilities.
    private static int StartUnprivileged(int descriptor)
    {
        var pid = 0;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                Interop.SetNoNewPrivileges();
                if (Interop.GetEffectiveUserId() != 0)
                {
                    Interop.DropThreadCapabilities();
                }
                var start = new ProcessStartInfo("/proc/self/exe")
                {
                    UseShellExecute = false,
                    RedirectStandardInput = true,
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                };
                start.ArgumentList.Add(ChildArgument);
                start.ArgumentList.Add(descriptor.ToString(CultureInfo.InvariantCulture));
                using var child = Process.Start(start) ?? throw new IOException("the retransmitting process did not start");
                pid = child.Id;
            }
            catch (Exception e) when (e is IOException or System.ComponentModel.Win32Exception)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        return failure is null ? pid : throw new IOException($"the retransmitting process did not start: {failure.Message}", failure);
    }

    /// <summary>The retransmitting copy (see the remarks): argument <c>FD</c>, the socket pair's end. Exit code 0 after the last retransmission.</summary>
    public static int RunChild(string descriptor)
    {
        Interop.SetNotDumpable();
        if (Interop.GetEffectiveUserId() == 0)
        {
            // glibc applies these to every thread of the process; leaving uid 0 clears every capability.
            Interop.ClearSupplementaryGroups();
            Interop.SetAllGroupIds(NobodyId);
            Interop.SetAllUserIds(NobodyId);
        }
        if (!int.TryParse(descriptor, NumberStyles.None, CultureInfo.InvariantCulture, out var fd) || fd < 3
            || Interop.DescriptorFlags(fd) is null || !EveryThreadUnprivileged())
        {
            throw KnockKnockException.Usage($"{ChildArgument} is for the client's own use");
        }
        CloseInheritedDescriptors(fd);
        Environment.CurrentDirectory = "/";

        using var channel = new FileDescriptorHandle(fd);
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

    /// <summary>Whether no thread of this process has a capability (permitted, effective or ambient), and no_new_privs is set.</summary>
    private static bool EveryThreadUnprivileged()
    {
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            string status;
            try
            {
                status = File.ReadAllText(Path.Combine(task, "status"));
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                continue; // the thread has exited
            }
            var unprivileged = status.Split('\n').Count(line =>
                line is "NoNewPrivs:\t1" or "CapPrm:\t0000000000000000" or "CapEff:\t0000000000000000" or "CapAmb:\t0000000000000000");
            if (unprivileged != 4)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Closes every descriptor from 3 up that is not close-on-exec (what a caller let it inherit), except <paramref name="keep"/>.</summary>
    private static void CloseInheritedDescriptors(int keep)
    {
        var open = Directory.EnumerateFiles("/proc/self/fd")
            .Select(path => int.TryParse(Path.GetFileName(path), NumberStyles.None, CultureInfo.InvariantCulture, out var fd) ? fd : -1)
            .Where(fd => fd > 2 && fd != keep)
            .ToList();
        foreach (var fd in open)
        {
            if (Interop.DescriptorFlags(fd) is { } flags && (flags & LibC.FD_CLOEXEC) == 0)
            {
                _ = Interop.Close(fd);
            }
        }
    }

    /// <summary>An integer from /proc/sys/net/ipv4/NAME, or <paramref name="absent"/> when this kernel has no such setting.</summary>
    private static int ReadSysctl(string name, int absent)
    {
        var path = "/proc/sys/net/ipv4/" + name;
        return File.Exists(path) && int.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : absent;
    }
}
