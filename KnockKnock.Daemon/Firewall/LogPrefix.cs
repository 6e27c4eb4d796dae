namespace KnockKnock.Daemon.Firewall;

/// <summary>
/// The LOG prefix that marks knock lines: what the firewall's LOG rules write before each line and
/// what the parser looks for. One limit for every backend: iptables' LOG target takes at most 29
/// characters (nftables 127), and no quote or backslash, because the rules are printed inside
/// quotes (nft, iptables-save) and pasted into shells.
/// </summary>
internal static class LogPrefix
{
    /// <summary>
    /// The default, as the rules set it. The trailing space is part of it: the kernel prints the
    /// prefix and then <c>IN=</c> with nothing between.
    /// </summary>
    public const string Default = "knockknock: ";

    public const int MaxLength = 29;

    /// <summary>Null when <paramref name="prefix"/> is usable, else why not.</summary>
    public static string? Problem(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        return prefix.Length is 0 or > MaxLength || prefix.Any(c => c is < ' ' or > '~' or '"' or '\'' or '\\')
            ? $"a log prefix must be 1-{MaxLength} printable ASCII characters without quotes or backslashes"
            : null;
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="prefix"/> is usable (for the pure rule builders).</summary>
    public static void Validate(string prefix)
    {
        if (Problem(prefix) is { } problem)
        {
            throw new ArgumentException(problem, nameof(prefix));
        }
    }
}
