using System.CommandLine;
using KnockKnock.Crypto;
using KnockKnock.Daemon.Config;

namespace KnockKnock.Daemon.Service;

/// <summary>`knockknock-daemon`: the command line. Settings come from CONFIG_DIR/config; options override them.</summary>
internal static class DaemonCommand
{
    public const string CommandName = "knockknock-daemon";

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var foreground = new Option<bool>("--foreground", "-f") { Description = "Stay in the foreground and log to stderr (for systemd and tests)" };
        var configDir = new Option<string>("--config-dir") { Description = "Configuration directory (config, profiles/)", DefaultValueFactory = _ => DaemonConfig.DefaultConfigDirectory };
        var stateDir = new Option<string?>("--state-dir") { Description = "State directory for counters, owned by the daemon user (default /var/lib/knockknock)" };
        var logSource = new Option<string?>("--log-source") { Description = "kmsg (default) or file:PATH, e.g. file:/var/log/kern.log" };
        var firewall = new Option<string?>("--firewall") { Description = "auto (default), nft or iptables" };
        firewall.AcceptOnlyFromAmong("auto", "nft", "iptables");
        var user = new Option<string?>("--user") { Description = "User to drop to after start-up (default knockknock if it exists, else nobody)" };
        var root = new RootCommand("KnockKnock daemon: reads knock SYNs from the kernel log and opens ports through a root worker.")
        {
            foreground, configDir, stateDir, logSource, firewall, user,
        };
        root.Subcommands.Add(RulesCommand.Create(output));
        root.SetAction(parse =>
        {
            var config = DaemonConfig.Load(parse.GetValue(configDir)!);
            config = config with
            {
                StateDirectory = parse.GetValue(stateDir) ?? config.StateDirectory,
                LogSource = parse.GetValue(logSource) ?? config.LogSource,
                Firewall = parse.GetValue(firewall) ?? config.Firewall,
                User = parse.GetValue(user) ?? config.User,
            };
            LogSourceOption.ParseFilePath(config.LogSource);
            if (!parse.GetValue(foreground))
            {
                throw KnockKnockException.Usage("background mode is not available yet: run with --foreground");
            }
            return new DaemonHost(config, DaemonLog.ToWriter(error)).Run();
        });
        return CommandLine.Invoke(CommandName, root, args, output, error);
    }
}
