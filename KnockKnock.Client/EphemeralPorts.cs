using System.Globalization;

namespace KnockKnock.Client;

/// <summary>
/// Source ports as Linux's connect() picks them: within net.ipv4.ip_local_port_range, of the parity
/// of its low end (since Linux 4.6 connect() favours those and bind(0) the others; with the default
/// range 32768-60999, even ports).
/// </summary>
internal static class EphemeralPorts
{
    private const string RangePath = "/proc/sys/net/ipv4/ip_local_port_range";

    // The kernel's default range, for a host whose /proc does not say.
    private const int DefaultLow = 32768;
    private const int DefaultHigh = 60999;

    /// <summary>A random port of this host's ephemeral range with the parity connect() uses, from a CSPRNG.</summary>
    public static ushort RandomConnectPort()
    {
        var (low, high) = ReadRange();
        return Pick(low, high, KernelRandom.GetInt32);
    }

    /// <summary>One of low, low + 2, ... up to high, chosen by <paramref name="random"/> (exclusive upper bound, like <see cref="KernelRandom.GetInt32(int, int)"/>).</summary>
    internal static ushort Pick(int low, int high, Func<int, int, int> random)
        => checked((ushort)(low + (2 * random(0, ((high - low) / 2) + 1))));

    private static (int Low, int High) ReadRange()
    {
        try
        {
            var parts = File.ReadAllText(RangePath).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2
                && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var low)
                && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var high)
                && low is >= 1 and <= 65535 && high >= low && high <= 65535)
            {
                return (low, high);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No readable /proc (a chroot, say): the kernel's default below.
        }
        return (DefaultLow, DefaultHigh);
    }
}
