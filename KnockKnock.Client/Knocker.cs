using System.Diagnostics;
using KnockKnock.Crypto.Profiles;
using KnockKnock.Crypto.Protocol;

namespace KnockKnock.Client;

/// <summary>
/// One knock, in the order that keeps the invariants (DESIGN.md): load the profile, choose the
/// address a connection to the host would use and its route, learn the kernel's SYN (v2), open the
/// raw socket (so a missing privilege or a broken host costs no counter), reserve a counter
/// durably, seal, build the SYN, send it once, then leave the decoy retransmissions (v2) to a
/// detached process.
/// </summary>
internal static class Knocker
{
    public static int Run(KnockRequest request, TextWriter output, TextWriter error)
    {
        using var profile = ProfileLocator.Load(request.ProfileDirectory, request.Host);
        var (destination, route) = ChooseDestination(profile, request.Host, request.Family, request.SourceAddress);
        var template = profile.Protocol == 1 ? null : LearnKernelSyn(route);

        using (var sender = request.DryRun ? null : OpenSender(destination.IsIPv6))
        {
            // With bind_source the MAC covers the address the server will see (a NAT's public one
            // when --source-ip says so; sealing ignores it otherwise); the IP header always carries
            // the local address.
            var macSource = request.SourceAddress ?? route.Source;
            var (counter, fieldsLine, sourcePort, packet) = Seal(profile, request.Port, route, destination, macSource, template);
            // Text is made only once the packet is out: a process's first formatted string starts
            // the runtime's array pool (about 0.3 ms, docs/PERFORMANCE.md section 3).
            string DetailLine() => $"SRC={route.Source} DST={destination} SPT={sourcePort} COUNTER={counter}";
            string Target() => $"{(request.Host.Contains(':', StringComparison.Ordinal) ? $"[{request.Host}]" : request.Host)}:{profile.KnockPort}";
            if (sender is null)
            {
                output.WriteLine($"Dry run: knock for {Target()} for port {request.Port} built, not sent (counter {counter} is used up)");
                output.WriteLine(fieldsLine());
                if (request.Verbose)
                {
                    output.WriteLine(DetailLine());
                }
                return ExitCodes.Ok;
            }

            var sent = Stopwatch.GetTimestamp();
            try
            {
                sender.Send(packet.Span);
            }
            catch (ErrnoException e)
            {
                throw KnockKnockException.Failure($"knock to {Target()} ({destination}) not sent: {e.Message}");
            }
            output.WriteLine($"Knock sent to {Target()} for port {request.Port}");
            if (request.Verbose)
            {
                output.WriteLine(fieldsLine());
                output.WriteLine(DetailLine());
            }
            if (template is not null && request.Retransmit && TcpSyn.TryRead(packet.Span, out var knock))
            {
                try
                {
                    var pid = Retransmissions.Start(sender, knock, sent);
                    if (request.Verbose)
                    {
                        output.WriteLine($"Retransmissions: process {pid} sends them as a dropped connect() would (--no-retransmit: none)");
                    }
                }
                catch (Exception e) when (e is IOException or ErrnoException)
                {
                    // The knock is out; only its decoys are missing.
                    error.WriteLine($"knockknock: warning: the knock was sent, but its decoy retransmissions were not: {e.Message}");
                }
            }
            return ExitCodes.Ok;
        }
    }

    /// <summary>The raw socket a knock to a destination of this family goes out through; without CAP_NET_RAW, exit code 3 and how to get it.</summary>
    internal static RawSender OpenSender(bool ipv6) => RawSender.TryOpen(ipv6, out var sender)
        ? sender
        : throw new KnockKnockException(
            ExitCodes.NoPrivilege,
            "sending a raw SYN needs CAP_NET_RAW: run with sudo, or once: sudo setcap cap_net_raw+ep $(command -v knockknock)");

    /// <summary>
    /// Reserves a counter and seals a knock for <paramref name="port"/>: v1 without a kernel SYN
    /// <paramref name="template"/>, v2 with one. Fields formats the header fields the knock carries.
    /// </summary>
    internal static (ulong Counter, Func<string> Fields, ushort SourcePort, ReadOnlyMemory<byte> Packet) Seal(Profile profile, ushort port, Route route, HostAddress destination, HostAddress macSource, TcpSyn? template)
        => template is null
            ? SealV1(profile, port, route.Source, destination, macSource)
            : SealV2(profile, port, route, destination, macSource, template);

    /// <summary>
    /// Reserves counters until one seals to a knock a kernel could have sent (<paramref name="usable"/>:
    /// no IP ID of 0 in v1; no zero carried field in v2); a skipped counter is simply never used.
    /// About one counter in 65536 (v1, v2 over IPv4) or in a million (v2 over IPv6) is skipped.
    /// </summary>
    internal static (ulong Counter, T Fields) ReserveAndSeal<T>(Func<ulong> reserve, Func<ulong, T> seal, Func<T, bool> usable)
    {
        while (true)
        {
            var counter = reserve();
            var fields = seal(counter);
            if (usable(fields))
            {
                return (counter, fields);
            }
        }
    }

    private static (ulong Counter, Func<string> Fields, ushort SourcePort, ReadOnlyMemory<byte> Packet) SealV1(Profile profile, ushort port, HostAddress source, HostAddress destination, HostAddress macSource)
    {
        ulong counter;
        KnockFields fields;
        using (var cipher = profile.CreateCipher())
        using (var store = profile.OpenCounter())
        {
            (counter, fields) = ReserveAndSeal(store.Reserve, c => cipher.Seal(c, profile.KnockPort, port, macSource), f => f.Id != 0);
        }
        var packet = new byte[SynPacket.Length];
        var sourcePort = SynPacket.RandomSourcePort();
        SynPacket.Write(packet, source, destination, sourcePort, profile.KnockPort, fields);
        return (counter, fields.ToString, sourcePort, packet);
    }

    private static (ulong Counter, Func<string> Fields, ushort SourcePort, ReadOnlyMemory<byte> Packet) SealV2(Profile profile, ushort port, Route route, HostAddress destination, HostAddress macSource, TcpSyn template)
    {
        var family = destination.IsIPv4 ? KnockFamily.IPv4 : KnockFamily.IPv6;
        ulong counter;
        KnockFieldsV2 fields;
        using (var cipher = profile.CreateCipherV2(family))
        using (var store = profile.OpenCounter())
        {
            (counter, fields) = ReserveAndSeal(store.Reserve, c => cipher.Seal(c, profile.KnockPort, port, macSource), f => !f.HasZeroField);
        }
        var sourcePort = EphemeralPorts.RandomConnectPort();
        var knock = template.ToKnock(route.Source, destination, sourcePort, profile.KnockPort, route.HopLimit, fields);
        return (counter, () => fields.ToString(family), sourcePort, knock.Bytes.ToArray());
    }

    /// <summary>
    /// The address to knock and connect to, and its route: <see cref="ChooseDestination(string, KnockFamily?, ushort)"/>
    /// over the families the profile's protocol speaks (v1: IPv4 only) and <paramref name="family"/>
    /// allows; <paramref name="source"/> (--source-ip) must be of the chosen family.
    /// </summary>
    internal static (HostAddress Destination, Route Route) ChooseDestination(Profile profile, string host, KnockFamily? family, HostAddress? source)
    {
        if (profile.Protocol == 1)
        {
            family = family == KnockFamily.IPv6
                ? throw KnockKnockException.Usage($"{profile.Directory}: a protocol 1 profile knocks over IPv4 only (set protocol = 2 on both sides for IPv6)")
                : KnockFamily.IPv4;
        }
        var (destination, route) = ChooseDestination(host, family, profile.KnockPort);
        return source is { } given && given.IsIPv4 != destination.IsIPv4
            ? throw KnockKnockException.Usage($"--source-ip {given} is not of the family of {destination}, the address knocked")
            : (destination, route);
    }

    /// <summary>
    /// The address a connection to HOST would use: the first of its addresses (in getaddrinfo's
    /// order, of the family asked for) that this host has a route to, and that route.
    /// </summary>
    private static (HostAddress Destination, Route Route) ChooseDestination(string host, KnockFamily? family, ushort knockPort)
    {
        ErrnoException? first = null;
        HostAddress firstAddress = default;
        foreach (var candidate in HostResolver.Resolve(host, family))
        {
            try
            {
                return (candidate, Route.Lookup(candidate, knockPort));
            }
            catch (ErrnoException e)
            {
                if (first is null)
                {
                    (first, firstAddress) = (e, candidate);
                }
            }
        }
        throw KnockKnockException.Failure($"cannot reach {host} ({firstAddress}): {first!.Description}");
    }

    internal static TcpSyn LearnKernelSyn(Route route)
    {
        TcpSyn template;
        try
        {
            template = KernelSyn.Learn(route);
        }
        catch (IOException e)
        {
            throw KnockKnockException.Failure($"cannot learn this host's own SYN over loopback ({e.Message}): protocol 2 needs the loopback interface up and TCP on it allowed");
        }
        return template.HasTimestamp
            ? template
            : throw KnockKnockException.Failure("protocol 2 needs TCP timestamps, and this host's kernel sends none (net.ipv4.tcp_timestamps = 0): enable them, or use a protocol 1 profile");
    }
}
