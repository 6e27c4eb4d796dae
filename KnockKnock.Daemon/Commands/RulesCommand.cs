using System.CommandLine;
using KnockKnock.Crypto.Profiles;
using KnockKnock.Daemon.Config;
using KnockKnock.Daemon.Firewall;

namespace KnockKnock.Daemon.Commands;

/// <summary>
/// `knockknock-daemon rules [--firewall BACKEND] [--config-dir DIR]`: prints the firewall
/// set-up for the knock ports of every profile and the configured log prefix, so that
/// scripts/minimal-firewall.sh never repeats rule text. The first line names the backend
/// (<c># knockknock-daemon rules --firewall nft</c>), then the backend's rules
/// (<see cref="IFirewallBackend.Ruleset"/>: an nft ruleset for <c>nft -f -</c>, or one iptables
/// command per line). Prints only; changes nothing.
/// </summary>
internal static class RulesCommand
{
    public const string HeaderPrefix = "# knockknock-daemon rules --firewall ";

    public static Command Create(Option<string?> firewall, Option<string> configDir, TextWriter output)
    {
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
        var firewall = FirewallBackends.Select(firewallSetting ?? config.Firewall);
        var ruleset = Ruleset(firewall, config);
        output.Write(HeaderPrefix + firewall.Name + "\n");
        output.Write(ruleset);
        return ExitCodes.Ok;
    }

    /// <summary>The set-up for every profile's knock port, as <c>rules</c> and genprofile print it.</summary>
    public static string Ruleset(IFirewallBackend firewall, DaemonConfig config)
    {
        var profiles = ProfileDirectory.LoadAll(config.ProfilesDirectory);
        try
        {
            return firewall.Ruleset([.. profiles.Select(p => p.KnockPort)], config.LogPrefix, config.FirewallSettings);
        }
        finally
        {
            profiles.ForEach(p => p.Dispose());
        }
    }
}
