using System.CommandLine;
using System.CommandLine.Parsing;
using KnockKnock.Crypto.Protocol;

namespace KnockKnock.Client.Connect;

/// <summary>
/// <c>knockknock connect HOST PORT</c>: knock HOST for PORT, connect to the address the knock went
/// to (retrying with fresh knocks, <see cref="KnockConnector"/>), then relay standard input and
/// output to the connection until both sides closed, as ssh's ProxyCommand wants it (like
/// <c>ssh -W</c> or nc). Standard output carries the relayed bytes only; progress goes to standard
/// error with -v, a failure always as one line. The raw socket is opened first and every
/// capability dropped before anything else (<see cref="RawSockets"/>).
/// </summary>
internal static class ConnectCommand
{
    public const string Name = "connect";

    public static Command Create(TextWriter error)
    {
        var host = new Argument<string>("host")
        {
            Description = "The server, as its profile in ~/.knockknock/ is named (ssh's %h). A name is knocked and connected to at the address a connection would use.",
            HelpName = "HOST",
        };
        var port = new Argument<ushort>("port")
        {
            Description = "The port to open and connect to (ssh's %p).",
            HelpName = "PORT",
            CustomParser = ParsePort,
        };
        var profileDirectory = ProfileLocator.DirectoryOption();
        var sourceAddress = new Option<HostAddress?>("--source-ip")
        {
            Description = "For profiles with bind_source: the address the server sees (e.g. a NAT's public address).",
            HelpName = "ADDR",
            CustomParser = Program.ParseAddress,
        };
        var ipv4 = new Option<bool>("-4") { Description = "Knock and connect over IPv4 only." };
        var ipv6 = new Option<bool>("-6") { Description = "Knock and connect over IPv6 only (protocol 2 profiles)." };
        var retry = new RetryOptions();
        var noRetransmit = new Option<bool>("--no-retransmit")
        {
            Description = "Send each knock once, without the decoy retransmissions of a dropped connect() (protocol 2).",
        };
        var verbose = new Option<bool>("--verbose", "-v")
        {
            Description = "Print each knock (address, counter, source port) and each retry to standard error.",
        };
        var command = new Command(Name, "Knock HOST for PORT, connect to it, and relay standard input and output to the connection (ssh -o ProxyCommand='knockknock connect %h %p'). A lost knock is retried with the next counter.")
        {
            host, port, profileDirectory, sourceAddress, ipv4, ipv6, retry.Knocks, retry.Wait, noRetransmit, verbose,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(ipv4) && result.GetValue(ipv6))
            {
                result.AddError("-4 and -6 exclude each other");
            }
        });
        command.SetAction(parse => Run(
            parse.GetRequiredValue(host),
            parse.GetValue(port),
            parse.GetValue(profileDirectory),
            parse.GetValue(sourceAddress),
            parse.GetValue(ipv4) ? KnockFamily.IPv4 : parse.GetValue(ipv6) ? KnockFamily.IPv6 : null,
            retry.Policy(parse),
            !parse.GetValue(noRetransmit),
            parse.GetValue(verbose) ? line => error.WriteLine("knockknock: " + line) : null));
        return command;
    }

    private static int Run(string host, ushort port, string? profileDirectory, HostAddress? source, KnockFamily? family, RetryPolicy policy, bool retransmit, Action<string>? progress)
    {
        if (RawSockets.Received is not { } sockets)
        {
            return RawSockets.RunInUnprivilegedCopy();
        }
        using var _ = sockets;
        using var profile = ProfileLocator.Load(profileDirectory, host);
        var knocker = ServiceKnocker.Prepare(profile, host, port, family, source, sockets, retransmit);
        if (!KnockConnector.TryConnect(knocker, policy, progress, out var connection, out var failure))
        {
            throw KnockKnockException.Failure(failure.Message);
        }
        using (connection)
        using (var local = new StandardStreamsEnd())
        {
            var outcome = Relay.Run(local, new SocketEnd(connection, "the connection"));
            return outcome is null
                ? ExitCodes.Ok
                : throw KnockKnockException.Failure($"relay to {knocker.Destination} port {port} ended: {outcome}");
        }
    }

    private static ushort ParsePort(ArgumentResult result)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (PortSet.TryParsePort(text, out var port))
        {
            return checked((ushort)port);
        }
        result.AddError($"PORT: '{text}' is not a port (1-65535)");
        return 0;
    }
}
