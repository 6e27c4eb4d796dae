using System.CommandLine;
using KnockKnock.Daemon.Config;
using KnockKnock.Daemon.Firewall;
using KnockKnock.Daemon.Host;

namespace KnockKnock.Daemon.Commands;

/// <summary>
/// The options the daemon's commands share. Each command gets its own instances of just the ones
/// it reads, so its --help lists each option once and none it ignores.
/// </summary>
internal static class DaemonOptions
{
    public static Option<string> ConfigDirectory() => new("--config-dir")
    {
        Description = "Configuration directory (config, profiles/)",
        DefaultValueFactory = _ => DaemonConfig.DefaultConfigDirectory,
    };

    public static Option<string?> StateDirectory() => new("--state-dir")
    {
        Description = $"State directory, root's (default: the config's state_dir, else {DaemonConfig.DefaultStateDirectory})",
    };

    public static Option<string?> Firewall()
    {
        var option = new Option<string?>("--firewall") { Description = $"{string.Join(", ", FirewallBackends.SettingValues)} (default: the config's, else auto)" };
        option.AcceptOnlyFromAmong([.. FirewallBackends.SettingValues]);
        return option;
    }

    public static Option<string?> LogSource() => new("--log-source")
    {
        Description = "kmsg (default), journal (the systemd journal's kernel records) or file:PATH, e.g. file:/var/log/kern.log",
    };

    public static Option<string?> PidFile() => new("--pidfile")
    {
        Description = $"Pidfile, in a directory only root may write (default: the config's pidfile, else {Host.PidFile.DefaultPath}; a foreground daemon holds one only when given)",
    };
}
