using System.Globalization;
using Tmds.Linux;

namespace KnockKnock.Client.Connect;

/// <summary>
/// The raw sockets that knocks go out through, one per family, in a process that holds no
/// capability in any thread. <c>connect</c> and <c>socks</c> open them first thing, while the
/// process may still have CAP_NET_RAW, then drop every capability and execute the client again in
/// place with them (<see cref="CapabilityDrop"/>): the same pid, standard streams and command line,
/// behind the hidden first argument <see cref="ReexecutedArgument"/>. So the profile, names, the
/// network and every SOCKS client are handled by a process that could not open another raw
/// socket; the open ones keep working without the capability.
/// </summary>
/// <remarks>
/// Run by hand, the hidden argument grants nothing: it is refused unless every thread holds no
/// capability (no_new_privs included) and the descriptors are already raw sockets, which only a
/// process with CAP_NET_RAW could have opened.
/// </remarks>
internal sealed class RawSockets : IDisposable
{
    /// <summary>The hidden first argument of the re-executed client, followed by the descriptors: "IPV4,IPV6" ("-" for no IPv6).</summary>
    public const string ReexecutedArgument = "--internal-without-capabilities";

    // socket(7), linux/socket.h; not in Tmds.LibC 0.5.0.
    private const int SO_PROTOCOL = 38;
    private const int SO_DOMAIN = 39;

    private static RawSockets? s_inherited;

    private readonly RawSender _ipv4;
    private readonly RawSender? _ipv6;

    private RawSockets(RawSender ipv4, RawSender? ipv6) => (_ipv4, _ipv6) = (ipv4, ipv6);

    /// <summary>
    /// The raw sockets, in a process without capabilities. In the process as started this opens
    /// them (without CAP_NET_RAW: exit code 3, as the plain client), drops every capability and
    /// executes the client again: it does not return. In the executed client it returns the
    /// sockets that <see cref="TryInherit"/> took over.
    /// </summary>
    public static RawSockets OpenThenDropCapabilities()
    {
        if (Interlocked.Exchange(ref s_inherited, null) is { } inherited)
        {
            return inherited;
        }
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
            Interop.SetCloseOnExec(ipv4.Socket, false);
            if (ipv6 is not null)
            {
                Interop.SetCloseOnExec(ipv6.Socket, false);
            }
            var descriptors = string.Create(CultureInfo.InvariantCulture, $"{ipv4.Socket.Fd},{(ipv6 is null ? "-" : ipv6.Socket.Fd)}");
            var commandLine = Environment.GetCommandLineArgs();
            CapabilityDrop.DropBeforeExec();
            Interop.Execv("/proc/self/exe", [commandLine[0], ReexecutedArgument, descriptors, .. commandLine[1..]]);
            throw new InvalidOperationException("unreachable: execv returns only by throwing");
        }
    }

    /// <summary>
    /// The executed client takes over the raw sockets named by <paramref name="descriptors"/>; false
    /// (nothing taken) unless they are raw sockets of the right families and no thread holds a
    /// capability.
    /// </summary>
    public static bool TryInherit(string descriptors)
    {
        if (descriptors.Split(',') is not [var ipv4Text, var ipv6Text]
            || !TryParseRawSocket(ipv4Text, LibC.AF_INET, out var ipv4)
            || (ipv6Text != "-" && !TryParseRawSocket(ipv6Text, LibC.AF_INET6, out _))
            || !CapabilityDrop.TryVerify(out _))
        {
            return false;
        }
        var senders = new List<RawSender> { RawSender.FromInherited(new FileDescriptorHandle(ipv4)) };
        if (ipv6Text != "-" && TryParseRawSocket(ipv6Text, LibC.AF_INET6, out var ipv6))
        {
            senders.Add(RawSender.FromInherited(new FileDescriptorHandle(ipv6)));
        }
        foreach (var sender in senders)
        {
            Interop.SetCloseOnExec(sender.Socket, true);
        }
        s_inherited = new RawSockets(senders[0], senders.Count > 1 ? senders[1] : null);
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

    /// <summary>Whether <paramref name="text"/> names an open descriptor above 2 holding a raw IPPROTO_RAW socket of <paramref name="domain"/>.</summary>
    private static bool TryParseRawSocket(string text, int domain, out int fd)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out fd) || fd < 3 || Interop.DescriptorFlags(fd) is null)
        {
            return false;
        }
        using var socket = new FileDescriptorHandle(fd, ownsHandle: false);
        try
        {
            return Interop.GetSocketOption(socket, LibC.SOL_SOCKET, LibC.SO_TYPE, "SO_TYPE") == LibC.SOCK_RAW
                && Interop.GetSocketOption(socket, LibC.SOL_SOCKET, SO_PROTOCOL, "SO_PROTOCOL") == LibC.IPPROTO_RAW
                && Interop.GetSocketOption(socket, LibC.SOL_SOCKET, SO_DOMAIN, "SO_DOMAIN") == domain;
        }
        catch (ErrnoException)
        {
            return false; // not a socket (ENOTSOCK)
        }
    }
}
