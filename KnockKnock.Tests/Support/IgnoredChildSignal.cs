using System.Globalization;

namespace KnockKnock.Tests.Support;

/// <summary>
/// A parent that ignores SIGCHLD, as some supervisors and scripts do: the ignored disposition
/// survives exec, so the program it starts inherits it.
/// </summary>
internal static class IgnoredChildSignal
{
    /// <summary>An argv prefix: perl ignores SIGCHLD and execs the rest of the argv in place (same pid).</summary>
    public static readonly string[] Launcher = ["/usr/bin/perl", "-e", "$SIG{CHLD} = 'IGNORE'; exec { $ARGV[0] } @ARGV or die \"exec $ARGV[0]: $!\\n\"", "--"];

    /// <summary>Whether process <paramref name="pid"/> ignores SIGCHLD (signal 17, bit 16 of SigIgn in its status).</summary>
    public static bool IsIgnored(int pid) => IsIgnoredIn(File.ReadAllText($"/proc/{pid}/status"));

    /// <summary>The same, read from a status file's text.</summary>
    public static bool IsIgnoredIn(string status)
    {
        var mask = status.Split('\n').Single(l => l.StartsWith("SigIgn:", StringComparison.Ordinal))["SigIgn:".Length..].Trim();
        return (ulong.Parse(mask, NumberStyles.HexNumber, CultureInfo.InvariantCulture) & (1UL << 16)) != 0;
    }
}
