using KnockKnock.Crypto;
using KnockKnock.Daemon.Firewall;
using KnockKnock.Daemon.Log;

namespace KnockKnock.Daemon.Config;

/// <summary>
/// Daemon settings from CONFIG_DIR/config, INI section [main] (profiles/config.example documents each
/// key). A missing file means all defaults; unknown keys and out-of-range values are errors.
/// </summary>
internal sealed record DaemonConfig
{
    public const string DefaultConfigDirectory = "/etc/knockknock.d";
    public const string DefaultStateDirectory = "/var/lib/knockknock";
    public const int MaxDelaySeconds = 3600;
    private const string Section = "main";

    private static readonly Dictionary<string, string[]> s_keys = new()
    {
        [Section] = ["delay", "error_window", "log_source", "log_prefix", "firewall", "nft_set", "user", "state_dir"],
    };

    /// <summary>Seconds an opening lasts.</summary>
    public int Delay { get; init; } = 15;

    /// <summary>How many counters past the expected one a knock may use (lost packets).</summary>
    public int ErrorWindow { get; init; } = 20;

    /// <summary>`kmsg` or `file:PATH`; null picks /dev/kmsg.</summary>
    public string? LogSource { get; init; }

    /// <summary>The netfilter LOG prefix that marks knock lines.</summary>
    public string LogPrefix { get; init; } = LogLineParser.DefaultPrefix;

    /// <summary>`auto`, `nft` or `iptables`.</summary>
    public string Firewall { get; init; } = "auto";

    /// <summary>The nftables set the worker adds openings to (FAMILY TABLE SET); the drop policy's chain must look it up.</summary>
    public NftSet NftSet { get; init; } = NftSet.Default;

    /// <summary>The user the daemon drops to; null picks `knockknock`, else `nobody`.</summary>
    public string? User { get; init; }

    public string StateDirectory { get; init; } = DefaultStateDirectory;

    public string ProfilesDirectory { get; init; } = Path.Combine(DefaultConfigDirectory, "profiles");

    /// <summary>Loads CONFIG_DIR/config (optional) and points at CONFIG_DIR/profiles.</summary>
    public static DaemonConfig Load(string configDirectory)
    {
        var path = Path.Combine(configDirectory, "config");
        var profiles = Path.Combine(configDirectory, "profiles");
        if (!File.Exists(path))
        {
            return new DaemonConfig { ProfilesDirectory = profiles };
        }
        var ini = IniFile.Load(path, s_keys);
        var prefix = ini.Get(Section, "log_prefix") is { } quoted ? Unquote(quoted, path) : LogLineParser.DefaultPrefix;
        var firewall = ini.Get(Section, "firewall") ?? "auto";
        if (firewall is not ("auto" or "nft" or "iptables"))
        {
            throw KnockKnockException.Usage($"{path}: firewall must be auto, nft or iptables, not '{firewall}'");
        }
        var nftSet = NftSet.Default;
        if (ini.Get(Section, "nft_set") is { } setText)
        {
            var words = setText.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length != 3)
            {
                throw KnockKnockException.Usage($"{path}: nft_set must be FAMILY TABLE SET, e.g. inet knockknock allowed");
            }
            if (!NftSet.TryValidate(words[0], words[1], words[2], out var problem))
            {
                throw KnockKnockException.Usage($"{path}: nft_set: {problem}");
            }
            nftSet = new NftSet(words[0], words[1], words[2]);
        }
        return new DaemonConfig
        {
            NftSet = nftSet,
            Delay = ini.GetInt(Section, "delay", 15, 1, MaxDelaySeconds),
            ErrorWindow = ini.GetInt(Section, "error_window", 20, 1, KnockCipher.MaxWindow),
            LogSource = ini.Get(Section, "log_source"),
            LogPrefix = prefix,
            Firewall = firewall,
            User = ini.Get(Section, "user"),
            StateDirectory = ini.Get(Section, "state_dir") ?? DefaultStateDirectory,
            ProfilesDirectory = profiles,
        };
    }

    /// <summary>
    /// A log prefix is written in double quotes so its trailing space survives; iptables allows at
    /// most 29 characters, and quotes or control characters would break the rules we print.
    /// </summary>
    private static string Unquote(string value, string path)
    {
        if (value.Length < 3 || value[0] != '"' || value[^1] != '"')
        {
            throw KnockKnockException.Usage($"{path}: log_prefix must be written in double quotes, like \"knockknock: \"");
        }
        var prefix = value[1..^1];
        if (prefix.Length > IptablesRuleset.MaxPrefixLength || prefix.Any(c => c is '"' or '\\' or '\'' || char.IsControl(c) || c > '~'))
        {
            throw KnockKnockException.Usage($"{path}: log_prefix must be 1-{IptablesRuleset.MaxPrefixLength} printable ASCII characters without quotes or backslashes");
        }
        return prefix;
    }
}
