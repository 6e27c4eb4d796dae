using System.CommandLine;
using KnockKnock.Crypto;
using KnockKnock.Daemon.Config;
using KnockKnock.Daemon.Firewall;

namespace KnockKnock.Daemon.Service;

/// <summary>
/// `knockknock-daemon rules [--firewall nft|iptables] [--config-dir DIR]`: prints the firewall
/// set-up for the knock ports of every profile and the configured log prefix, so that
/// scripts/minimal-firewall.sh never repeats rule text. The first line names the backend
/// (<c># knockknock-daemon rules --firewall nft</c>), then either the nft ruleset
/// (<see cref="NftRuleset"/>, for <c>nft -f -</c>) or one iptables command per line
/// (<see cref="IptablesRuleset.Text"/>). Prints only; changes nothing.
/// </summary>
internal static class RulesCommand
{
    public const string HeaderPrefix = "# knockknock-daemon rules --firewall ";

    public static Command Create(TextWriter output)
    {
        var firewall = new Option<string?>("--firewall") { Description = "nft or iptables (default: the config's firewall; auto picks nft when /usr/sbin/nft exists)" };
        firewall.AcceptOnlyFromAmong("auto", "nft", "iptables");
        var configDir = new Option<string>("--config-dir") { Description = "Configuration directory (config, profiles/)", DefaultValueFactory = _ => DaemonConfig.DefaultConfigDirectory };
        var command = new Command("rules", "Print the firewall set-up (default drop, knock LOG rules, the daemon's openings) for scripts/minimal-firewall.sh")
        {
            firewall, configDir,
        };
        command.SetAction(parse => Run(parse.GetValue(configDir)!, parse.GetValue(firewall), output));
        return command;
    }

    private static int Run(string configDirectory, string? firewallSetting, TextWriter output)
    {
        var config = DaemonConfig.Load(configDirectory);
        var kind = (firewallSetting ?? config.Firewall) switch
        {
            "nft" => FirewallKind.Nft,
            "iptables" => FirewallKind.Iptables,
            _ => FirewallDetection.Detect(),
        };
        var ports = KnockPorts(config.ProfilesDirectory);
        var text = kind == FirewallKind.Nft
            ? NftRuleset.Text(ports, config.LogPrefix, config.NftSet)
            : IptablesRuleset.Text(ports, config.LogPrefix);
        output.Write(HeaderPrefix + (kind == FirewallKind.Nft ? "nft" : "iptables") + "\n");
        output.Write(text);
        return ExitCodes.Ok;
    }

    /// <summary>The knock port of each profile directory, loaded and checked as the daemon loads them.</summary>
    private static List<ushort> KnockPorts(string profilesDirectory)
    {
        if (!Directory.Exists(profilesDirectory))
        {
            throw KnockKnockException.Usage($"no profiles directory {profilesDirectory}: create a profile with knockknock-genprofile NAME KNOCK_PORT");
        }
        var ports = new List<ushort>();
        foreach (var directory in Directory.EnumerateDirectories(profilesDirectory).Where(d => !Path.GetFileName(d).StartsWith('.')).Order(StringComparer.Ordinal))
        {
            using var profile = Profile.Load(directory);
            ports.Add(profile.KnockPort);
        }
        if (ports.Count == 0)
        {
            throw KnockKnockException.Usage($"no profiles in {profilesDirectory}: create one with knockknock-genprofile NAME KNOCK_PORT");
        }
        return ports;
    }
}
