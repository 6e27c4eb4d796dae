namespace KnockKnock;

/// <summary>
/// The ports a profile (and so the root worker) may open: `all`, or a comma-separated list of ports and ranges such as
/// `22,80,8000-8100`. Kept as a 65536-bit map so membership is one lookup.
/// </summary>
public sealed class PortSet
{
    private readonly System.Collections.BitArray _ports;

    private PortSet(System.Collections.BitArray ports, string text)
    {
        _ports = ports;
        Text = text;
    }

    public static PortSet All { get; } = Parse("all");

    /// <summary>The canonical text, as written in a profile config.</summary>
    public string Text { get; }

    public bool Contains(ushort port) => port != 0 && _ports[port];

    public static bool TryParse(string text, out PortSet set)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ports = new System.Collections.BitArray(65536);
        set = null!;
        var trimmed = text.Trim();
        if (trimmed == "all")
        {
            ports.SetAll(true);
            ports[0] = false;
            set = new PortSet(ports, "all");
            return true;
        }
        var parts = trimmed.Split(',', StringSplitOptions.TrimEntries);
        foreach (var part in parts)
        {
            var dash = part.IndexOf('-', StringComparison.Ordinal);
            var first = dash < 0 ? part : part[..dash];
            var last = dash < 0 ? part : part[(dash + 1)..];
            if (!TryParsePort(first, out var low) || !TryParsePort(last, out var high) || low > high)
            {
                return false;
            }
            for (var port = low; port <= high; port++)
            {
                ports[port] = true;
            }
        }
        set = new PortSet(ports, string.Join(",", parts));
        return true;
    }

    public static PortSet Parse(string text) =>
        TryParse(text, out var set) ? set : throw KnockKnockException.Usage($"invalid port list '{text}': use all, or ports and ranges like 22,80,8000-8100 (1-65535)");

    /// <summary>A port number 1-65535 in plain decimal.</summary>
    public static bool TryParsePort(string text, out int port) =>
        int.TryParse(text, System.Globalization.NumberStyles.None, null, out port) && port is >= 1 and <= 65535 && text.Length <= 5;

    public override string ToString() => Text;
}
