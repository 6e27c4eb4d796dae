using KnockKnock.Crypto.Profiles;
using KnockKnock.Crypto.Protocol;
using KnockKnock.Daemon.Firewall;
using KnockKnock.Daemon.Firewall.Nft;
using KnockKnock.Daemon.Log;
using KnockKnock.Daemon.Worker;
using FirewallLogPrefix = KnockKnock.Daemon.Firewall.LogPrefix;

namespace KnockKnock.Daemon.Config;

/// <summary>
/// Daemon settings from CONFIG_DIR/config, INI section [main] (profiles/config.example documents each
/// key). A missing file means all defaults; unknown keys and out-of-range values are errors.
/// </summary>
internal sealed record DaemonConfig
{
    public const string DefaultConfigDirectory = "/etc/knockknock.d";
    public const string DefaultStateDirectory = "/var/lib/knockknock";
    public const int MaxDelaySeconds = WorkerPolicy.MaxDelaySeconds;
    public const int MaxKnockAgeSeconds = 3600;
    private const string Section = "main";

    private static readonly Dictionary<string, string[]> s_keys = new()
    {
        [Section] = ["delay", "error_window", "log_source", "log_prefix", "firewall", "nft_set", "user", "state_dir", "pidfile", "max_openings", "max_opening_rate", "max_knock_age"],
    };

    /// <summary>Seconds an opening lasts.</summary>
    public int Delay { get; init; } = 15;

    /// <summary>How many counters past the expected one a knock may use (lost packets).</summary>
    public int ErrorWindow { get; init; } = 20;

    /// <summary>
    /// Seconds a knock logged while no daemon read the log (read when a daemon starts and catches
    /// up) may be old and still open (README, "Restarts").
    /// </summary>
    public int MaxKnockAge { get; init; } = Resumption.DefaultMaxKnockAgeSeconds;

    /// <summary>`kmsg`, `journal` or `file:PATH`; null picks /dev/kmsg.</summary>
    public string? LogSource { get; init; }

    /// <summary>The netfilter LOG prefix that marks knock lines.</summary>
    public string LogPrefix { get; init; } = FirewallLogPrefix.Default;

    /// <summary>`auto` or a backend's name (<see cref="FirewallBackends.SettingValues"/>).</summary>
    public string Firewall { get; init; } = FirewallBackends.Auto;

    /// <summary>What the backends read from the config: the nftables set the worker adds openings to (FAMILY TABLE SET).</summary>
    public FirewallSettings FirewallSettings { get; init; } = FirewallSettings.Default;

    /// <summary>The user the daemon drops to; null picks `knockknock` (which must exist: no fallback).</summary>
    public string? User { get; init; }

    public string StateDirectory { get; init; } = DefaultStateDirectory;

    /// <summary>The pidfile the daemon holds and <c>status</c>/<c>flush</c> look at; null: the default in the background, none in the foreground.</summary>
    public string? PidFile { get; init; }

    /// <summary>The root worker's cap on live openings (it refuses more).</summary>
    public int MaxOpenings { get; init; } = WorkerPolicy.DefaultMaxOpenings;

    /// <summary>The root worker's cap on openings per second (it refuses more).</summary>
    public int MaxOpeningRate { get; init; } = WorkerPolicy.DefaultMaxRatePerSecond;

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
        var prefix = ini.Get(Section, "log_prefix") is { } quoted ? Unquote(quoted, path) : FirewallLogPrefix.Default;
        var firewall = ini.Get(Section, "firewall") ?? FirewallBackends.Auto;
        if (!FirewallBackends.SettingValues.Contains(firewall))
        {
            throw KnockKnockException.Usage($"{path}: firewall must be {string.Join(", ", FirewallBackends.SettingValues)}, not '{firewall}'");
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
            FirewallSettings = new FirewallSettings(nftSet),
            Delay = ini.GetInt(Section, "delay", 15, 1, MaxDelaySeconds),
            ErrorWindow = ini.GetInt(Section, "error_window", 20, 1, KnockCipher.MaxWindow),
            LogSource = ini.Get(Section, "log_source"),
            LogPrefix = prefix,
            Firewall = firewall,
            User = ini.Get(Section, "user"),
            StateDirectory = ini.Get(Section, "state_dir") ?? DefaultStateDirectory,
            PidFile = ini.Get(Section, "pidfile"),
            MaxOpenings = ini.GetInt(Section, "max_openings", WorkerPolicy.DefaultMaxOpenings, 1, 1_000_000),
            MaxOpeningRate = ini.GetInt(Section, "max_opening_rate", WorkerPolicy.DefaultMaxRatePerSecond, 1, 1_000_000),
            MaxKnockAge = ini.GetInt(Section, "max_knock_age", Resumption.DefaultMaxKnockAgeSeconds, 1, MaxKnockAgeSeconds),
            ProfilesDirectory = profiles,
        };
    }

    /// <summary>
    /// A log prefix is written in double quotes so its trailing space survives (<see cref="FirewallLogPrefix"/> says what it may hold).
    /// </summary>
    private static string Unquote(string value, string path)
    {
        if (value.Length < 3 || value[0] != '"' || value[^1] != '"')
        {
            throw KnockKnockException.Usage($"{path}: log_prefix must be written in double quotes, like \"knockknock: \"");
        }
        var prefix = value[1..^1];
        return FirewallLogPrefix.Problem(prefix) is { } problem ? throw KnockKnockException.Usage($"{path}: log_prefix: {problem}") : prefix;
    }
}
