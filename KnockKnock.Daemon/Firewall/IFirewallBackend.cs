namespace KnockKnock.Daemon.Firewall;

/// <summary>
/// One firewall tool the daemon can drive: everything that varies by tool, behind one interface,
/// one folder per implementation (Nft/, Iptables/), listed once in <see cref="FirewallBackends"/>.
/// <see cref="TryCreateOpenings"/>, what it returns and <see cref="FindUnlogged"/> run in the root
/// worker; the rest (rules text, detection) serves the commands and the daemon's start-up checks.
/// </summary>
internal interface IFirewallBackend
{
    /// <summary>The name in config files, on the command line and in the worker's argv: <c>nft</c>, <c>iptables</c>.</summary>
    string Name { get; }

    /// <summary>The tool's absolute path; its existence is what auto-detection looks at.</summary>
    string ToolPath { get; }

    /// <summary>The Debian package that installs the tool.</summary>
    string Package { get; }

    /// <summary>Why the daemon cannot use this backend on this machine (e.g. iptables-legacy), or null.</summary>
    string? UsabilityProblem();

    /// <summary>The firewall set-up for these knock ports and LOG prefix, as <c>knockknock-daemon rules</c> prints it.</summary>
    string Ruleset(IReadOnlyCollection<ushort> knockPorts, string logPrefix, FirewallSettings settings);

    /// <summary>
    /// The knock ports and families that no LOG rule (prefix, TCP sequence and options) covers;
    /// null and an error when the ruleset cannot be read. Runs the tool's listing (needs root).
    /// </summary>
    IReadOnlyList<UnloggedPort>? FindUnlogged(IEnumerable<ushort> knockPorts, string logPrefix, out string error);

    /// <summary>The worker's argv words after the backend name, from the settings.</summary>
    IReadOnlyList<string> WorkerArguments(FirewallSettings settings);

    /// <summary>
    /// Worker side (root): reads <see cref="WorkerArguments"/> back; false when they are malformed.
    /// <paramref name="recreated"/> receives one line each time the openings recreate what a reload removed.
    /// </summary>
    bool TryCreateOpenings(IReadOnlyList<string> arguments, Action<string> recreated, out IFirewallOpenings openings);
}
