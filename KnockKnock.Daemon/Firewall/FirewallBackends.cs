using KnockKnock.Daemon.Firewall.Iptables;
using KnockKnock.Daemon.Firewall.Nft;

namespace KnockKnock.Daemon.Firewall;

/// <summary>
/// The registry of firewall backends: the only list of them. Config, command-line validation,
/// <c>rules</c>, <c>check</c>, the worker's start and its argument parsing all look backends up
/// here, so adding one is a folder plus one line in <see cref="All"/>.
/// </summary>
internal static class FirewallBackends
{
    /// <summary>The setting that picks the first backend whose tool is installed.</summary>
    public const string Auto = "auto";

    /// <summary>Every backend, in the order <see cref="Auto"/> prefers them.</summary>
    public static IReadOnlyList<IFirewallBackend> All { get; } = [NftBackend.Instance, IptablesBackend.Instance];

    /// <summary>What the <c>firewall</c> setting accepts: <c>auto</c> and every backend's name.</summary>
    public static IReadOnlyList<string> SettingValues { get; } = [Auto, .. All.Select(b => b.Name)];

    /// <summary>The backend called <paramref name="name"/>, or null.</summary>
    public static IFirewallBackend? Find(string name) => All.FirstOrDefault(b => b.Name == name);

    /// <summary><see cref="Auto"/>: the first backend whose tool exists (nft, then iptables), or the last when none does.</summary>
    public static IFirewallBackend Detect(Func<string, bool> exists) => All.FirstOrDefault(b => exists(b.ToolPath)) ?? All[^1];

    /// <summary>The backend a setting names (auto detects); an unknown name is a usage error.</summary>
    public static IFirewallBackend Select(string setting) => setting == Auto
        ? Detect(File.Exists)
        : Find(setting) ?? throw KnockKnockException.Usage($"unknown firewall '{setting}': use {string.Join(", ", SettingValues)}");

    /// <summary>As <see cref="Select"/>, and the tool must be installed: what the daemon and <c>flush</c> need.</summary>
    public static IFirewallBackend Resolve(string setting)
    {
        var backend = Select(setting);
        if (!File.Exists(backend.ToolPath))
        {
            var others = All.Where(b => b != backend).Select(b => b.Name);
            throw KnockKnockException.Failure($"firewall tool {backend.ToolPath} not found: install {backend.Package} or set firewall = {string.Join(" or ", others)}");
        }
        return backend;
    }
}
