using KnockKnock.Crypto.Protocol;

namespace KnockKnock.Client;

/// <summary>
/// One knock, in the order that keeps the invariants (DESIGN.md): load the profile, resolve the
/// host and the route's source address, open the raw socket (so a missing privilege costs no
/// counter), reserve a counter durably, seal, build the SYN, send it once.
/// </summary>
internal static class Knocker
{
    public static int Run(KnockRequest request, TextWriter output)
    {
        using var profile = ProfileLocator.Load(request.ProfileDirectory ?? ProfileLocator.DefaultDirectory(request.Host));
        var destination = HostResolver.Resolve(request.Host);
        var localAddress = LookupRouteSource(request.Host, destination, profile.KnockPort);

        RawSender? sender = null;
        if (!request.DryRun && !RawSender.TryOpen(out sender))
        {
            throw new KnockKnockException(
                ExitCodes.NoPrivilege,
                "sending a raw SYN needs CAP_NET_RAW: run with sudo, or once: sudo setcap cap_net_raw+ep $(command -v knockknock)");
        }
        using (sender)
        {
            // With bind_source the MAC covers the address the server will see (a NAT's public one
            // when --source-ip says so; Seal ignores it otherwise); the IP header always carries
            // the local address.
            var macSource = request.SourceAddress ?? localAddress;
            ulong counter;
            KnockFields fields;
            using (var cipher = profile.CreateCipher())
            using (var store = profile.OpenCounter())
            {
                (counter, fields) = ReserveAndSeal(store.Reserve, c => cipher.Seal(c, profile.KnockPort, request.Port, macSource));
            }

            Span<byte> packet = stackalloc byte[SynPacket.Length];
            var sourcePort = SynPacket.RandomSourcePort();
            SynPacket.Write(packet, localAddress, destination, sourcePort, profile.KnockPort, fields);

            var fieldsLine = fields.ToString();
            var detailLine = $"SRC={localAddress} SPT={sourcePort} COUNTER={counter}";
            if (sender is null)
            {
                output.WriteLine($"Dry run: knock for {request.Host}:{profile.KnockPort} for port {request.Port} built, not sent (counter {counter} is used up)");
                output.WriteLine(fieldsLine);
                if (request.Verbose)
                {
                    output.WriteLine(detailLine);
                }
                return ExitCodes.Ok;
            }

            try
            {
                sender.Send(packet);
            }
            catch (ErrnoException e)
            {
                throw KnockKnockException.Failure($"knock to {request.Host}:{profile.KnockPort} not sent: {e.Message}");
            }
            output.WriteLine($"Knock sent to {request.Host}:{profile.KnockPort} for port {request.Port}");
            if (request.Verbose)
            {
                output.WriteLine(fieldsLine);
                output.WriteLine(detailLine);
            }
            return ExitCodes.Ok;
        }
    }

    /// <summary>
    /// Reserves counters until one seals to a knock whose IP ID is not 0 (the kernel would replace
    /// an ID of 0, see <see cref="RawSender"/>); a skipped counter is simply never used.
    /// About one counter in 65536 is skipped.
    /// </summary>
    internal static (ulong Counter, KnockFields Fields) ReserveAndSeal(Func<ulong> reserve, Func<ulong, KnockFields> seal)
    {
        while (true)
        {
            var counter = reserve();
            var fields = seal(counter);
            if (fields.Id != 0)
            {
                return (counter, fields);
            }
        }
    }

    private static HostAddress LookupRouteSource(string host, HostAddress destination, ushort knockPort)
    {
        try
        {
            return RouteSource.Lookup(destination, knockPort);
        }
        catch (ErrnoException e)
        {
            throw KnockKnockException.Failure($"cannot reach {host} ({destination}): {e.Description}");
        }
    }
}
