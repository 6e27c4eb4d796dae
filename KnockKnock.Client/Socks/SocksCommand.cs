using System.CommandLine;
using System.CommandLine.Parsing;
using KnockKnock.Client.Connect;

namespace KnockKnock.Client.Socks;

/// <summary>
/// <c>knockknock socks [--listen ADDR:PORT]</c>: a SOCKS5 proxy (RFC 1928, CONNECT only, no
/// authentication) that knocks for every connection to a host with a profile in ~/.knockknock/, as
/// knockknock-proxy did. It listens on loopback unless <c>--allow-remote</c>: anyone who can reach
/// it could make this host knock with these profiles and spend their counters. Hosts without a
/// profile are refused unless <c>--direct</c>: a proxy that quietly connected them would turn a
/// misspelt host, or a host given by address while its profile is named by name, into a
/// connection attempt against a closed port that hangs without saying why, and would carry the
/// traffic of anything pointed at the proxy. The raw sockets are opened and every capability
/// dropped first (<see cref="RawSockets"/>).
/// </summary>
internal static class SocksCommand
{
    public const string Name = "socks";

    public const string DefaultListen = "127.0.0.1:1080";

    public static Command Create(TextWriter error)
    {
        var listen = new Option<ListenAddress>("--listen")
        {
            Description = "The address and port to listen on, ADDR:PORT or [IPv6]:PORT (port 0: any free one).",
            HelpName = "ADDR:PORT",
            DefaultValueFactory = _ => ListenAddress.Default,
            CustomParser = result =>
            {
                var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
                if (!ListenAddress.TryParse(text, out var parsed))
                {
                    result.AddError($"--listen: '{text}' is not ADDR:PORT (e.g. 127.0.0.1:1080 or [::1]:1080)");
                }
                return parsed;
            },
        };
        var allowRemote = new Option<bool>("--allow-remote")
        {
            Description = "Allow a --listen address that is not loopback: whoever can connect to it can make this host knock with your profiles.",
        };
        var direct = new Option<bool>("--direct")
        {
            Description = "Connect hosts that have no profile directly, without a knock [default: refuse them].",
        };
        var profiles = new Option<string>("--profiles")
        {
            Description = "The directory with one profile per host, named as the host is asked for [default: ~/.knockknock/].",
            HelpName = "DIR",
        };
        var retry = new RetryOptions();
        var noRetransmit = new Option<bool>("--no-retransmit")
        {
            Description = "Send each knock once, without the decoy retransmissions of a dropped connect() (protocol 2).",
        };
        var verbose = new Option<bool>("--verbose", "-v")
        {
            Description = "Log every connection and its knocks to standard error (failures are always logged).",
        };
        var command = new Command(Name, "Run a SOCKS5 proxy that knocks for every connection to a host with a profile, then relays it (curl --socks5-hostname 127.0.0.1:1080, ssh -o ProxyCommand='nc -X 5 -x 127.0.0.1:1080 %h %p').")
        {
            listen, allowRemote, direct, profiles, retry.Knocks, retry.Wait, noRetransmit, verbose,
        };
        command.SetAction(parse =>
        {
            var address = parse.GetValue(listen);
            if (!address.IsLoopback && !parse.GetValue(allowRemote))
            {
                throw KnockKnockException.Usage($"--listen {address} is not a loopback address: add --allow-remote if anyone who can reach it may knock with your profiles");
            }
            var settings = new SocksSettings(
                parse.GetValue(profiles) ?? Path.GetDirectoryName(ProfileLocator.DefaultDirectory("."))!,
                parse.GetValue(direct),
                retry.Policy(parse),
                !parse.GetValue(noRetransmit),
                parse.GetValue(verbose));
            return Run(address, settings, error);
        });
        return command;
    }

    private static int Run(ListenAddress address, SocksSettings settings, TextWriter log)
    {
        if (RawSockets.Received is not { } sockets)
        {
            return RawSockets.RunInUnprivilegedCopy();
        }
        using var _ = sockets;
        var (listener, bound) = SocksServer.Listen(address.Address, address.Port);
        using (listener)
        {
            log.WriteLine($"knockknock socks: listening on {address with { Port = bound }}; profiles in {settings.ProfileRoot}; hosts without one are {(settings.Direct ? "connected directly" : "refused")}");
            new SocksServer(listener, settings, sockets, log).Serve();
            return ExitCodes.Ok;
        }
    }
}
