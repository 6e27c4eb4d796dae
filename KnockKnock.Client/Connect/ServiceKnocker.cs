using System.Diagnostics;
using KnockKnock.Crypto.Profiles;

namespace KnockKnock.Client.Connect;

/// <summary>One knock as it left: its counter, its source port and when it was sent (a <see cref="Stopwatch"/> timestamp).</summary>
internal readonly record struct ServiceKnock(ulong Counter, ushort SourcePort, long Sent, int? DecoyProcess);

/// <summary>
/// Knocks one host for one port as often as asked, each time with a fresh counter, at the address
/// chosen once by <see cref="Knocker.ChooseDestination(Profile, string, Crypto.Protocol.KnockFamily?, HostAddress?)"/>:
/// the address a connection would use, which is where the connection then goes. The kernel's SYN
/// for the route (v2) is learned once: nothing in it changes between knocks a second apart. Each
/// knock is sealed and sent as the plain client does it (<see cref="Knocker.Seal"/>), and with
/// <c>retransmit</c> (v2) leaves its decoy retransmissions to a detached process, as the plain
/// client's: a knock followed by a connection then looks like a dropped connect() beside a real one.
/// </summary>
internal sealed class ServiceKnocker
{
    // Starting a decoy sender clears close-on-exec on the shared raw socket for the time of the
    // spawn; one start at a time, or a concurrent one could set it back before the other's exec.
    private static readonly Lock s_decoyStart = new();

    private readonly Profile _profile;
    private readonly Route _route;
    private readonly TcpSyn? _template;
    private readonly RawSender _sender;
    private readonly HostAddress _macSource;
    private readonly bool _retransmit;

    private ServiceKnocker(Profile profile, string host, ushort port, HostAddress destination, Route route, TcpSyn? template, RawSender sender, HostAddress macSource, bool retransmit)
    {
        (_profile, Host, Port, Destination, _route, _template, _sender, _macSource, _retransmit) = (profile, host, port, destination, route, template, sender, macSource, retransmit);
    }

    /// <summary>HOST as given (the profile's name).</summary>
    public string Host { get; }

    /// <summary>The port knocked for, and connected to.</summary>
    public ushort Port { get; }

    /// <summary>The address knocked, and connected to.</summary>
    public HostAddress Destination { get; }

    /// <summary>The profile's knock port.</summary>
    public ushort KnockPort => _profile.KnockPort;

    /// <summary>
    /// Chooses the address and route, learns the kernel's SYN (v2), and picks the raw socket of
    /// that family. <paramref name="source"/> (--source-ip) is what the MAC covers for profiles that
    /// bind the source; the IP header carries the route's local address.
    /// </summary>
    public static ServiceKnocker Prepare(Profile profile, string host, ushort port, Crypto.Protocol.KnockFamily? family, HostAddress? source, RawSockets sockets, bool retransmit)
    {
        var (destination, route) = Knocker.ChooseDestination(profile, host, family, source);
        var template = profile.Protocol == 1 ? null : Knocker.LearnKernelSyn(route);
        return new ServiceKnocker(profile, host, port, destination, route, template, sockets.For(destination), source ?? route.Source, retransmit);
    }

    /// <summary>Reserves the next counter, seals, sends one knock, and (v2, unless told not to) starts its decoy retransmissions.</summary>
    public ServiceKnock Knock()
    {
        var (counter, _, sourcePort, packet) = Knocker.Seal(_profile, Port, _route, Destination, _macSource, _template);
        var sent = Stopwatch.GetTimestamp();
        try
        {
            _sender.Send(packet.Span);
        }
        catch (ErrnoException e)
        {
            throw KnockKnockException.Failure($"knock to {Host}:{KnockPort} ({Destination}) not sent: {e.Message}");
        }
        int? decoys = null;
        if (_template is not null && _retransmit && TcpSyn.TryRead(packet.Span, out var knock))
        {
            lock (s_decoyStart)
            {
                try
                {
                    decoys = Retransmissions.Start(_sender, knock, sent);
                    Reap(decoys.Value);
                }
                catch (Exception e) when (e is IOException or ErrnoException)
                {
                    // The knock is out; only its decoys are missing. An ordinary user's copy (this
                    // process) has no_new_privs and could only start a dumpable decoy sender: none.
                }
            }
        }
        return new ServiceKnock(counter, sourcePort, sent, decoys);
    }

    /// <summary>
    /// Waits for a decoy sender on a thread of its own and reaps it: this process (connect's or the
    /// proxy's copy) outlives its decoys, which would otherwise stay zombies until it ends.
    /// </summary>
    private static void Reap(int pid) => new Thread(() =>
    {
        try
        {
            _ = Interop.WaitForExit(pid);
        }
        catch (ErrnoException)
        {
            // ECHILD: something else reaped it (Main restores SIGCHLD, so not the kernel).
        }
    })
    { IsBackground = true, Name = "decoy reaper" }.Start();
}
