using System.CommandLine;
using System.CommandLine.Parsing;
using KnockKnock.Cli;
using KnockKnock.Crypto.Profiles;

namespace KnockKnock.Client;

/// <summary><c>knockknock -p PORT HOST</c>: declares the command line and hands it to <see cref="Knocker.Run"/>.</summary>
internal static class Program
{
    private static int Main(string[] args) => Run(args, StandardStreams.Output, StandardStreams.Error);

    /// <summary>Parses, runs and returns the exit code (<see cref="ExitCodes"/>); writers are swappable for tests.</summary>
    internal static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var port = new Option<ushort>("--port", "-p")
        {
            Description = "The port to open on HOST (1-65535).",
            Required = true,
            HelpName = "PORT",
            CustomParser = ParsePort,
        };
        var profileDirectory = new Option<string>("--profile-dir")
        {
            Description = "The profile directory [default: ~/.knockknock/HOST/].",
            HelpName = "DIR",
        };
        var sourceAddress = new Option<HostAddress?>("--source-ip")
        {
            Description = "For profiles with bind_source: the IPv4 address the server sees (e.g. a NAT's public address) [default: the local address of the route to HOST].",
            HelpName = "ADDR",
            CustomParser = ParseIPv4,
        };
        var dryRun = new Option<bool>("--dry-run")
        {
            Description = "Build the knock and print its fields without sending it. It uses up a counter like a real knock, and the printed fields are a valid knock: keep them secret.",
        };
        var verbose = new Option<bool>("--verbose", "-v")
        {
            Description = "Also print the knock's header fields (ID, SEQ, ACK, WINDOW), the source and the counter.",
        };
        var host = new Argument<string>("host")
        {
            Description = "The server: an IPv4 address or a name (resolved once, IPv4 only).",
            HelpName = "HOST",
        };
        var root = new RootCommand("Send one single-packet knock (a forged TCP SYN) that asks HOST to open PORT for this address.")
        {
            port, profileDirectory, sourceAddress, dryRun, verbose, host,
        };
        root.SetAction(parseResult => Knocker.Run(
            new KnockRequest(
                parseResult.GetRequiredValue(host),
                parseResult.GetValue(port),
                parseResult.GetValue(profileDirectory),
                parseResult.GetValue(sourceAddress),
                parseResult.GetValue(dryRun),
                parseResult.GetValue(verbose)),
            output));
        return CommandRunner.Invoke("knockknock", root, args, output, error);
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

    private static HostAddress? ParseIPv4(ArgumentResult result)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (HostAddress.TryParse(text, out var address) && address.IsIPv4)
        {
            return address;
        }
        result.AddError($"--source-ip: '{text}' is not an IPv4 address");
        return null;
    }
}
