using System.CommandLine;
using KnockKnock.Crypto;
using KnockKnock.Daemon.Config;
using KnockKnock.Daemon.Firewall;
using KnockKnock.Daemon.Privileges;

namespace KnockKnock.Daemon.Service;

/// <summary>
/// `knockknock-daemon check`: validates the config and every profile (permissions, keys, knock-port
/// clashes), the log source, the firewall tool and the LOG rule of each knock port, without
/// changing anything. One line per problem; exit 0 only when all is well.
/// </summary>
internal static class CheckCommand
{
    public static Command Create(Option<string> configDir, Option<string?> logSource, Option<string?> firewall, TextWriter output)
    {
        var command = new Command("check", "Check config, profiles, log source, firewall tool and LOG rules; print one line per problem.");
        command.SetAction(parse =>
        {
            var problems = Check(parse.GetValue(configDir)!, parse.GetValue(logSource), parse.GetValue(firewall));
            foreach (var problem in problems)
            {
                output.WriteLine($"problem: {problem}");
            }
            output.WriteLine(problems.Count == 0 ? "all checks passed" : $"{problems.Count} problem(s) found");
            return problems.Count == 0 ? ExitCodes.Ok : ExitCodes.Failure;
        });
        return command;
    }

    public static List<string> Check(string configDirectory, string? logSourceOverride, string? firewallOverride)
    {
        var problems = new List<string>();
        DaemonConfig config;
        try
        {
            config = DaemonConfig.Load(configDirectory);
        }
        catch (KnockKnockException e)
        {
            problems.Add(e.Message);
            return problems;
        }
        var knockPorts = new Dictionary<ushort, string>();
        if (!Directory.Exists(config.ProfilesDirectory))
        {
            problems.Add($"no profiles directory {config.ProfilesDirectory}");
        }
        else
        {
            var directories = Directory.EnumerateDirectories(config.ProfilesDirectory).Where(d => !Path.GetFileName(d).StartsWith('.')).Order(StringComparer.Ordinal).ToList();
            if (directories.Count == 0)
            {
                problems.Add($"no profiles in {config.ProfilesDirectory}");
            }
            foreach (var directory in directories)
            {
                try
                {
                    using var profile = Profile.Load(directory);
                    using var counter = profile.OpenCounter();
                    using var cipher = profile.CreateCipher();
                    if (!knockPorts.TryAdd(profile.KnockPort, profile.Name))
                    {
                        problems.Add($"profiles '{knockPorts[profile.KnockPort]}' and '{profile.Name}' both use knock port {profile.KnockPort}");
                    }
                }
                catch (KnockKnockException e)
                {
                    problems.Add(e.Message);
                }
            }
        }
        try
        {
            LogSourceOption.Open(logSourceOverride ?? config.LogSource).Dispose();
        }
        catch (KnockKnockException e)
        {
            problems.Add(e.Message);
        }
        try
        {
            var (uid, gid) = PrivilegeDrop.ResolveUser(config.User);
            if (LogSourceOption.UnprivilegedReadProblem(logSourceOverride ?? config.LogSource, uid, gid) is { } problem)
            {
                problems.Add(problem);
            }
        }
        catch (InvalidOperationException e)
        {
            problems.Add(e.Message);
        }
        FirewallKind kind;
        try
        {
            kind = DaemonHost.ResolveFirewall(firewallOverride ?? config.Firewall);
        }
        catch (KnockKnockException e)
        {
            problems.Add(e.Message);
            return problems;
        }
        if (kind == FirewallKind.Iptables && IptablesBackend.VariantProblem() is { } legacy)
        {
            problems.Add(legacy);
        }
        var unlogged = LogRuleCheck.FindUnlogged(kind, knockPorts.Keys, config.LogPrefix, out var error);
        if (unlogged is null)
        {
            problems.Add($"cannot read the {kind.ToString().ToLowerInvariant()} ruleset: {error}");
        }
        else
        {
            problems.AddRange(unlogged.Select(p => $"no LOG rule with prefix \"{config.LogPrefix}\" and TCP sequence logging for knock port {p} (profile {knockPorts[p]}): see scripts/minimal-firewall.sh"));
        }
        return problems;
    }
}
