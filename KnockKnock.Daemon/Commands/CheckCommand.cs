using System.CommandLine;
using KnockKnock.Crypto.Profiles;
using KnockKnock.Crypto.Protocol;
using KnockKnock.Daemon.Config;
using KnockKnock.Daemon.Firewall;
using KnockKnock.Daemon.Host;
using KnockKnock.Daemon.Log;
using KnockKnock.Daemon.Privileges;

namespace KnockKnock.Daemon.Commands;

/// <summary>
/// `knockknock-daemon check`: validates the config and every profile (permissions, keys, knock-port
/// clashes), the log source (and whether the daemon user can go on reading it after the privilege
/// drop), the firewall tool and the LOG rule of each knock port, without changing anything. One line per problem; exit 0 only when all is well.
/// </summary>
internal static class CheckCommand
{
    public static Command Create(Option<string?> logSource, Option<string?> firewall, Option<string> configDir, TextWriter output)
    {
        var command = new Command("check", "Check config, profiles, log source, firewall tool and LOG rules; print one line per problem.")
        {
            logSource, firewall, configDir,
        };
        command.SetAction(parse =>
        {
            var warnings = new List<string>();
            var problems = Check(parse.GetValue(configDir)!, parse.GetValue(logSource), parse.GetValue(firewall), warnings);
            foreach (var warning in warnings)
            {
                output.WriteLine($"warning: {warning}");
            }
            foreach (var problem in problems)
            {
                output.WriteLine($"problem: {problem}");
            }
            output.WriteLine(problems.Count == 0 ? "all checks passed" : $"{problems.Count} problem(s) found");
            return problems.Count == 0 ? ExitCodes.Ok : ExitCodes.Failure;
        });
        return command;
    }

    /// <summary>The problems (each one a reason not to start); <paramref name="warnings"/> gets what is allowed but risky.</summary>
    public static List<string> Check(string configDirectory, string? logSourceOverride, string? firewallOverride, List<string> warnings)
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
        var unbound = new List<string>();
        var version1 = new List<string>();
        IReadOnlyList<string> directories = [];
        try
        {
            directories = ProfileDirectory.List(config.ProfilesDirectory);
            if (directories.Count == 0)
            {
                problems.Add($"no profiles in {config.ProfilesDirectory}");
            }
        }
        catch (KnockKnockException e)
        {
            problems.Add(e.Message);
        }
        foreach (var directory in directories)
        {
            try
            {
                using var profile = Profile.Load(directory);
                using var counter = profile.OpenCounter();
                using IDisposable keys = profile.Protocol == 1 ? profile.CreateCipher() : profile.CreateCipherV2(KnockFamily.IPv4);
                if (!profile.BindSource)
                {
                    unbound.Add(profile.Name);
                }
                if (profile.Protocol == 1)
                {
                    version1.Add(profile.Name);
                }
                if (!knockPorts.TryAdd(profile.KnockPort, profile.Name))
                {
                    problems.Add($"profiles '{knockPorts[profile.KnockPort]}' and '{profile.Name}' both use knock port {profile.KnockPort}");
                }
            }
            catch (Exception e) when (e is KnockKnockException or InvalidOperationException)
            {
                // InvalidOperationException: the crypto library (libnettle) is missing or too old.
                problems.Add(e.Message);
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
        if (LogSourceOption.ParseFilePath(logSourceOverride ?? config.LogSource) is { } file && unbound.Count > 0)
        {
            warnings.Add($"the log source is the file {file}, which any local user can write (logger -p kern.warning -t kernel ...), unlike /dev/kmsg: a knock seen on the way could be opened for another address by a forged line; profiles without bind_source: {string.Join(", ", unbound)} (use kmsg, or bind_source = yes)");
        }
        if (version1.Count > 0)
        {
            warnings.Add($"profiles with protocol = 1 knock over IPv4 only, with a SYN that is easy to tell from a real one: {string.Join(", ", version1)} (make new ones with genprofile, which makes protocol 2, and give the clients their copies)");
        }
        if (PrivilegeDrop.SharedUserWarning(config.User) is { } shared)
        {
            warnings.Add(shared);
        }
        try
        {
            var (uid, gid) = PrivilegeDrop.ResolveUser(config.User);
            var source = logSourceOverride ?? config.LogSource;
            if (LogSourceOption.UnprivilegedReadProblem(source, uid, gid, PrivilegeDrop.ResolveKeptGroup(LogSourceOption.KeptGroup(source))) is { } problem)
            {
                problems.Add(problem);
            }
        }
        catch (KnockKnockException e)
        {
            problems.Add(e.Message);
        }
        foreach (var program in new Func<string>[] { RunProgram.Executable, DaemonHost.WorkerExecutable })
        {
            try
            {
                _ = program();
            }
            catch (KnockKnockException e)
            {
                problems.Add(e.Message);
            }
        }
        IFirewallBackend firewall;
        try
        {
            firewall = FirewallBackends.Resolve(firewallOverride ?? config.Firewall);
        }
        catch (KnockKnockException e)
        {
            problems.Add(e.Message);
            return problems;
        }
        if (firewall.UsabilityProblem() is { } unusable)
        {
            problems.Add(unusable);
        }
        var unlogged = firewall.FindUnlogged(knockPorts.Keys, config.LogPrefix, out var error);
        if (unlogged is null)
        {
            problems.Add($"cannot read the {firewall.Name} ruleset: {error}");
        }
        else
        {
            foreach (var port in unlogged.GroupBy(u => u.Port))
            {
                if (port.Count() == 2)
                {
                    problems.Add($"no LOG rule with prefix \"{config.LogPrefix}\" and TCP sequence and options logging for knock port {port.Key} (profile {knockPorts[port.Key]}): see scripts/minimal-firewall.sh");
                }
                else
                {
                    warnings.Add($"no LOG rule with prefix \"{config.LogPrefix}\" and TCP sequence and options logging for {port.Single().Family} knocks to port {port.Key} (profile {knockPorts[port.Key]}): "
                        + "they cannot arrive (see scripts/minimal-firewall.sh)");
                }
            }
        }
        return problems;
    }
}
