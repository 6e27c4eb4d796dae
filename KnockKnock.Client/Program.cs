using System.CommandLine;
using System.CommandLine.Parsing;
using KnockKnock.Cli;
using KnockKnock.Client.Connect;
using KnockKnock.Client.Socks;
using KnockKnock.Crypto.Profiles;
using KnockKnock.Crypto.Protocol;

namespace KnockKnock.Client;

/// <summary>
/// <c>knockknock -p PORT HOST</c>: declares the command line and hands it to <see cref="Knocker.Run"/>;
/// <c>knockknock connect</c>, <c>knockknock socks</c> and <c>knockknock counter</c> are subcommands
/// (<see cref="ConnectCommand"/>, <see cref="SocksCommand"/>, <see cref="CounterCommand"/>).
/// </summary>
internal static class Program
{
    /// <summary>The command's name in its help and its messages.</summary>
    public const string Name = "knockknock";

    private static int Main(string[] args)
    {
        Interop.RestoreChildSignal();
        return args switch
        {
            [Retransmissions.ChildArgument, var descriptor] => RunRetransmissions(descriptor),
            [RawSockets.ChildArgument, var descriptor, .. var rest] => RunWithoutCapabilities(descriptor, rest),
            _ => Run(args, StandardStreams.Output, StandardStreams.Error),
        };
    }

    /// <summary>connect or socks in the unprivileged copy, with the raw sockets it received (<see cref="RawSockets"/>).</summary>
    private static int RunWithoutCapabilities(string descriptor, string[] args)
    {
        try
        {
            if (!RawSockets.TryReceive(descriptor))
            {
                throw KnockKnockException.Usage($"{RawSockets.ChildArgument} is for the client's own use");
            }
        }
        catch (Exception e) when (e is KnockKnockException or IOException or ErrnoException)
        {
            StandardStreams.Error.WriteLine($"knockknock: {e.Message}");
            return e is KnockKnockException k ? k.ExitCode : ExitCodes.Failure;
        }
        return Run(args, StandardStreams.Output, StandardStreams.Error);
    }

    /// <summary>The detached copy that sends a knock's decoy retransmissions (<see cref="Retransmissions"/>).</summary>
    private static int RunRetransmissions(string descriptor)
    {
        try
        {
            return Retransmissions.RunChild(descriptor);
        }
        catch (Exception e) when (e is KnockKnockException or IOException or ErrnoException)
        {
            StandardStreams.Error.WriteLine($"knockknock: {e.Message}");
            return e is KnockKnockException k ? k.ExitCode : ExitCodes.Failure;
        }
    }

    /// <summary>Parses, runs and returns the exit code (<see cref="ExitCodes"/>); writers are swappable for tests.</summary>
    internal static int Run(string[] args, TextWriter output, TextWriter error)
    {
        if (args is [ConnectCommand.Name or SocksCommand.Name or CounterCommand.Name, ..])
        {
            // Parsed under a root of their own: under the knock's root, whose HOST argument comes
            // first, System.CommandLine would show that argument in their usage and help.
            return CommandRunner.Invoke(new Command(Name) { ConnectCommand.Create(error), SocksCommand.Create(error), CounterCommand.Create(output) }, args, output, error);
        }
        var port = new Option<ushort>("--port", "-p")
        {
            Description = "The port to open on HOST (1-65535).",
            Required = true,
            HelpName = "PORT",
            CustomParser = ParsePort,
        };
        var profileDirectory = ProfileLocator.DirectoryOption();
        var sourceAddress = new Option<HostAddress?>("--source-ip")
        {
            Description = "For profiles with bind_source: the address the server sees (e.g. a NAT's public address) [default: the local address of the route to HOST].",
            HelpName = "ADDR",
            CustomParser = ParseAddress,
        };
        var ipv4 = new Option<bool>("-4")
        {
            Description = "Knock over IPv4 only.",
        };
        var ipv6 = new Option<bool>("-6")
        {
            Description = "Knock over IPv6 only (protocol 2 profiles).",
        };
        var noRetransmit = new Option<bool>("--no-retransmit")
        {
            Description = "Send the knock once. By default (protocol 2) a detached process then sends the retransmissions a connect() to a dropped port would, so the knock looks like one.",
        };
        var dryRun = new Option<bool>("--dry-run")
        {
            Description = "Build the knock and print its fields without sending it. It uses up a counter like a real knock, and the printed fields are a valid knock: keep them secret.",
        };
        var verbose = new Option<bool>("--verbose", "-v")
        {
            Description = "Also print the knock's header fields, the addresses knocked from and to, the source port and the counter.",
        };
        var host = new Argument<string>("host")
        {
            Description = "The server: an address or a name. A name is knocked at the address a connection to it would use (the first in getaddrinfo's order with a route).",
            HelpName = "HOST",
        };
        var root = new Command(Name, "Send one single-packet knock (a forged TCP SYN) that asks HOST to open PORT for this address.")
        {
            port, profileDirectory, sourceAddress, ipv4, ipv6, noRetransmit, dryRun, verbose, host,
        };
        root.Subcommands.Add(ConnectCommand.Create(error));
        root.Subcommands.Add(SocksCommand.Create(error));
        root.Subcommands.Add(CounterCommand.Create(output));
        root.Validators.Add(result =>
        {
            if (result.GetValue(ipv4) && result.GetValue(ipv6))
            {
                result.AddError("-4 and -6 exclude each other");
            }
        });
        root.SetAction(parseResult => Knocker.Run(
            new KnockRequest(
                parseResult.GetRequiredValue(host),
                parseResult.GetValue(port),
                parseResult.GetValue(profileDirectory),
                parseResult.GetValue(sourceAddress),
                parseResult.GetValue(dryRun),
                parseResult.GetValue(verbose),
                parseResult.GetValue(ipv4) ? KnockFamily.IPv4 : parseResult.GetValue(ipv6) ? KnockFamily.IPv6 : null,
                !parseResult.GetValue(noRetransmit)),
            output,
            error));
        return CommandRunner.Invoke(root, args, output, error);
    }

    private static ushort ParsePort(ArgumentResult result)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (PortSet.TryParsePort(text, out var port))
        {
            return checked((ushort)port);
        }
        result.AddError($"--port: '{text}' is not a port (1-65535)");
        return 0;
    }

    internal static HostAddress? ParseAddress(ArgumentResult result)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (System.Net.IPAddress.TryParse(text, out var parsed) && (parsed.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork || parsed.ScopeId == 0))
        {
            var address = HostAddress.FromIPAddress(parsed);
            if (address.IsUnicastHost)
            {
                return address;
            }
        }
        result.AddError($"--source-ip: '{text}' is not a host address");
        return null;
    }
}
