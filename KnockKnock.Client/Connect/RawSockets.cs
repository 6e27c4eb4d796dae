using System.Runtime.InteropServices;
using Tmds.Linux;

namespace KnockKnock.Client.Connect;

/// <summary>
/// The raw sockets that the knocks of <c>connect</c> and <c>socks</c> go out through, one per
/// family, held by a process that never had a capability in any thread. The process as started
/// (with CAP_NET_RAW, from a file capability or as root) makes itself non-dumpable, opens them, starts an
/// <see cref="UnprivilegedCopy"/> of itself with the same arguments, standard streams and working
/// directory, hands the sockets over as SCM_RIGHTS, closes its own and waits for the copy, passing
/// on SIGHUP and SIGTERM (what ssh sends its ProxyCommand) as SIGKILL and returning its exit code. The copy
/// reads profiles, resolves names, knocks, connects, relays and serves SOCKS clients; it is
/// non-dumpable, so its user cannot take the raw sockets from it. Root's copy stays uid 0 (without
/// any capability): root's profiles and counters are root's files, written at every knock.
/// </summary>
/// <remarks>
/// Run by hand, the hidden argument grants nothing: it is refused unless no thread holds a
/// capability, and what arrives must be raw sockets of the right families, which only a process
/// with CAP_NET_RAW could have opened.
/// </remarks>
internal sealed class RawSockets : IDisposable
{
    /// <summary>The hidden first argument of the unprivileged copy, followed by the descriptor of its end of the socket pair and the original arguments.</summary>
    public const string ChildArgument = "--internal-without-capabilities";

    // The message that comes with each socket: its family, then 1 if another socket follows, else 0.
    private const byte IPv4Message = 4;
    private const byte IPv6Message = 6;

    private static RawSockets? s_received;

    private readonly RawSender _ipv4;
    private readonly RawSender? _ipv6;

    private RawSockets(RawSender ipv4, RawSender? ipv6) => (_ipv4, _ipv6) = (ipv4, ipv6);

    /// <summary>The sockets this copy received (<see cref="TryReceive"/>); null in the process as started.</summary>
    public static RawSockets? Received => Interlocked.Exchange(ref s_received, null);

    /// <summary>
    /// In the process as started: opens the raw sockets (without CAP_NET_RAW: exit code 3, as the
    /// plain client), runs this command line again in an unprivileged copy that gets them, and
    /// returns the copy's exit code.
    /// </summary>
    public static int RunInUnprivilegedCopy()
    {
        // Non-dumpable before the raw sockets exist: its user cannot take them during the handover.
        Interop.SetNotDumpable();
        using var ipv4 = Knocker.OpenSender(ipv6: false);
        RawSender? ipv6 = null;
        try
        {
            ipv6 = Knocker.OpenSender(ipv6: true);
        }
        catch (ErrnoException e) when (e.Errno == LibC.EAFNOSUPPORT)
        {
            // IPv6 is disabled on this host: IPv4 knocks only.
        }
        using (ipv6)
        {
            var (ours, theirs) = Interop.SocketPairSeqPacket();
            int copy;
            FileDescriptorHandle? pidfd;
            using (ours)
            {
                using (theirs)
                {
                    copy = UnprivilegedCopy.Start(ChildArgument, theirs, Environment.GetCommandLineArgs()[1..], nullStandardStreams: false, leaveRoot: false);
                }
                // Before the sockets go over: should this fail, the copy finds its channel closed and
                // ends without them. The pidfd names the copy for good (its pid cannot be reused
                // before WaitForExit reaps it), so a late signal handler reaches nothing else.
                if (!Interop.TryPidfdOpen(copy, out pidfd, out var errno))
                {
                    throw Interop.Error("pidfd_open", null, errno);
                }
                Interop.SendWithDescriptor(ours, [IPv4Message, ipv6 is null ? (byte)0 : (byte)1], ipv4.Socket);
                if (ipv6 is not null)
                {
                    Interop.SendWithDescriptor(ours, [IPv6Message, 0], ipv6.Socket);
                }
            }
            ipv4.Dispose();
            ipv6?.Dispose();
            return WaitFor(copy, pidfd);
        }
    }

    /// <summary>
    /// In the copy: takes the channel named by <paramref name="descriptor"/> (<see cref="UnprivilegedCopy.TakeChannel"/>)
    /// and the raw sockets that come over it; false (nothing taken) unless an IPv4 raw socket came,
    /// then at most an IPv6 one, each with its message.
    /// </summary>
    public static bool TryReceive(string descriptor)
    {
        using var channel = UnprivilegedCopy.TakeChannel(ChildArgument, descriptor, leaveRoot: false);
        RawSender? ipv4 = null;
        RawSender? ipv6 = null;
        Span<byte> message = stackalloc byte[3];
        var more = true;
        while (more)
        {
            var length = Interop.ReceiveWithDescriptor(channel, message, out var socket);
            var family = length == 2 ? message[0] : (byte)0;
            more = message[1] == 1;
            int expected = family switch { IPv4Message when ipv4 is null => LibC.AF_INET, IPv6Message when ipv6 is null => LibC.AF_INET6, _ => -1 };
            if (socket is null || expected == -1 || !RawSender.IsRawSocket(socket)
                || Interop.GetSocketOption(socket, LibC.SOL_SOCKET, LibC.SO_DOMAIN, "SO_DOMAIN") != expected)
            {
                socket?.Dispose();
                ipv4?.Dispose();
                ipv6?.Dispose();
                return false;
            }
            if (family == IPv4Message)
            {
                ipv4 = RawSender.FromHandedOver(socket);
            }
            else
            {
                ipv6 = RawSender.FromHandedOver(socket);
            }
        }
        if (ipv4 is null)
        {
            ipv6?.Dispose();
            return false;
        }
        s_received = new RawSockets(ipv4, ipv6);
        return true;
    }

    /// <summary>The raw socket for a destination's family.</summary>
    public RawSender For(HostAddress destination) => destination.IsIPv4
        ? _ipv4
        : _ipv6 ?? throw KnockKnockException.Failure($"cannot knock {destination}: this host has IPv6 disabled (no IPv6 raw socket)");

    public void Dispose()
    {
        _ipv4.Dispose();
        _ipv6?.Dispose();
    }

    // Ends the copy on SIGHUP or SIGTERM (ssh ends its ProxyCommand with SIGHUP); SIGINT from a
    // terminal reaches the copy anyway (same process group), so this process only waits for it.
    // The pidfd stays open until this process exits: a handler can still run after the wait.
    private static int WaitFor(int copy, FileDescriptorHandle pidfd)
    {
        var registrations = new[] { PosixSignal.SIGHUP, PosixSignal.SIGTERM, PosixSignal.SIGINT }.Select(signal => PosixSignalRegistration.Create(signal, context =>
        {
            context.Cancel = true;
            if (context.Signal != PosixSignal.SIGINT)
            {
                try
                {
                    Interop.PidfdSendSignal(pidfd, LibC.SIGKILL, "the unprivileged copy");
                }
                catch (ErrnoException)
                {
                    // It has ended already.
                }
            }
        })).ToList();
        try
        {
            return Interop.WaitForExit(copy);
        }
        catch (ErrnoException e) when (e.Errno == LibC.ECHILD)
        {
            throw KnockKnockException.Failure("the unprivileged copy's exit status is lost: something else reaped it");
        }
        finally
        {
            registrations.ForEach(r => r.Dispose());
        }
    }
}
