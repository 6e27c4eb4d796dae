using System.CommandLine;
using KnockKnock.Cli;
using KnockKnock.Crypto.Profiles;
using KnockKnock.Daemon.Config;
using KnockKnock.Daemon.Firewall;

namespace KnockKnock.Daemon.Commands;

/// <summary>
/// `knockknock-genprofile NAME KNOCK_PORT [--config-dir DIR] [--allow PORTS] [--bind-source] [--protocol 1|2]`:
/// creates a server profile with a fresh secret and counter 0, then prints how to copy it to the
/// client and the firewall rules that LOG its knock port.
/// </summary>
internal static class GenProfileCommand
{
    public const string CommandName = "knockknock-genprofile";

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var name = new Argument<string>("NAME") { Description = "Profile name: letters, digits, '.', '_' or '-' (one per user and machine)" };
        var knockPort = new Argument<string>("KNOCK_PORT") { Description = "TCP port (1-65535) the knock SYN is sent to; the firewall LOGs and drops it" };
        var configDir = new Option<string>("--config-dir") { Description = "Configuration directory", DefaultValueFactory = _ => DaemonConfig.DefaultConfigDirectory };
        var allow = new Option<string>("--allow") { Description = "Ports this profile may open: all, or a list like 22,80,8000-8100", DefaultValueFactory = _ => "all" };
        var bindSource = new Option<bool>("--bind-source") { Description = "Bind knocks to the client's source address (breaks behind NAT whose address changes)" };
        var protocol = new Option<int>("--protocol")
        {
            Description = "Knock protocol: 2 (the knock looks like the client's own connect() SYN; IPv4 and IPv6) or 1 (IPv4 only, for clients before KnockKnock 2)",
            DefaultValueFactory = _ => Profile.NewestProtocol,
        };
        protocol.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > Profile.NewestProtocol)
            {
                result.AddError($"--protocol: use 1 or {Profile.NewestProtocol}");
            }
        });
        var root = new Command(CommandName, "Create a KnockKnock profile (keys, knock port, counter) on the server.") { name, knockPort, configDir, allow, bindSource, protocol };
        root.SetAction(parse => Create(
            parse.GetValue(name)!,
            parse.GetValue(knockPort)!,
            parse.GetValue(configDir)!,
            parse.GetValue(allow)!,
            parse.GetValue(bindSource),
            parse.GetValue(protocol),
            output));
        return CommandRunner.Invoke(root, args, output, error);
    }

    private static int Create(string name, string knockPortText, string configDirectory, string allowText, bool bindSource, int protocol, TextWriter output)
    {
        if (!Profile.IsValidName(name))
        {
            throw KnockKnockException.Usage($"invalid profile name '{name}': use letters, digits, '.', '_' and '-' only (no '/', no leading '.' or '-', at most 64)");
        }
        if (!PortSet.TryParsePort(knockPortText, out var knockPort))
        {
            throw KnockKnockException.Usage($"invalid knock port '{knockPortText}': use a port from 1 to 65535");
        }
        var allowed = PortSet.Parse(allowText);
        var config = DaemonConfig.Load(configDirectory);
        var profiles = config.ProfilesDirectory;
        var directory = Path.Combine(profiles, name);
        if (Directory.Exists(directory) || File.Exists(directory))
        {
            throw KnockKnockException.Usage($"profile '{name}' exists already at {directory}: pick another name or remove it first");
        }
        if (Directory.Exists(profiles))
        {
            foreach (var other in ProfileDirectory.List(profiles))
            {
                using var existing = Profile.Load(other);
                if (existing.KnockPort == knockPort)
                {
                    throw KnockKnockException.Usage($"knock port {knockPort} is already used by profile '{existing.Name}': pick another port");
                }
            }
        }
        else
        {
            Directory.CreateDirectory(profiles, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        Profile.Create(directory, (ushort)knockPort, allowed, bindSource, protocol);
        WriteInstructions(output, name, directory, knockPort, allowed, bindSource, protocol, config);
        return ExitCodes.Ok;
    }

    private static void WriteInstructions(TextWriter output, string name, string directory, int knockPort, PortSet allowed, bool bindSource, int protocol, DaemonConfig config)
    {
        output.WriteLine($"Created profile {name} in {directory} (knock port {knockPort}, allows {allowed.Text}, bind_source {(bindSource ? "yes" : "no")}, protocol {protocol}).");
        output.WriteLine();
        output.WriteLine("Copy it to the client (CLIENT: the client machine; HOST: the name the client will knock, e.g. this server's hostname):");
        output.WriteLine($"  tar -C {directory} -cf - config secret counter | ssh CLIENT 'umask 077 && mkdir -p ~/.knockknock/HOST && tar -C ~/.knockknock/HOST -xf -'");
        output.WriteLine("The secret is a key: move it over an encrypted channel only, and keep it 0600.");
        output.WriteLine();
        var firewall = FirewallBackends.Select(config.Firewall);
        output.WriteLine($"The firewall must LOG (with TCP sequence numbers and options) and drop SYNs to port {knockPort}: the {firewall.Name} set-up for every profile,");
        output.WriteLine($"as knockknock-daemon rules --firewall {firewall.Name} prints it (keep your own rules in the same chain if you have any):");
        output.WriteLine();
        output.Write(RulesCommand.Ruleset(firewall, config));
        output.WriteLine();
        output.WriteLine("scripts/minimal-firewall.sh loads exactly this set-up (default drop; your current SSH session survives).");
    }
}
