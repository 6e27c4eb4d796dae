namespace KnockKnock.Crypto.Profiles;

/// <summary>
/// A strict INI reader for knockknock's config files: `[section]` headers, `key = value` lines,
/// `#` or `;` comments on their own line. Unknown sections or keys, duplicates and stray lines are
/// errors naming the file and line, so a typo never silently falls back to a default.
/// </summary>
public sealed class IniFile
{
    private readonly Dictionary<string, Dictionary<string, string>> _sections;

    private IniFile(string path, Dictionary<string, Dictionary<string, string>> sections)
    {
        Path = path;
        _sections = sections;
    }

    public string Path { get; }

    /// <summary>Parses <paramref name="text"/>; <paramref name="allowed"/> maps each known section to its known keys.</summary>
    public static IniFile Parse(string path, string text, IReadOnlyDictionary<string, string[]> allowed)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(allowed);
        var sections = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        Dictionary<string, string>? current = null;
        string[] currentKeys = [];
        var lineNumber = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            lineNumber++;
            var line = rawLine.Trim();
            if (line.Length == 0 || line[0] == '#' || line[0] == ';')
            {
                continue;
            }
            if (line[0] == '[')
            {
                if (line[^1] != ']')
                {
                    throw Bad(path, lineNumber, "a section header must look like [name]");
                }
                var name = line[1..^1].Trim();
                if (!allowed.TryGetValue(name, out var keys))
                {
                    throw Bad(path, lineNumber, $"unknown section [{name}] (known: {string.Join(", ", allowed.Keys.Select(k => "[" + k + "]"))})");
                }
                if (sections.ContainsKey(name))
                {
                    throw Bad(path, lineNumber, $"section [{name}] appears twice");
                }
                current = new Dictionary<string, string>(StringComparer.Ordinal);
                currentKeys = keys;
                sections.Add(name, current);
                continue;
            }
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw Bad(path, lineNumber, "expected key = value");
            }
            if (current is null)
            {
                throw Bad(path, lineNumber, "key before any [section]");
            }
            var key = line[..equals].Trim();
            var value = line[(equals + 1)..].Trim();
            if (!currentKeys.Contains(key))
            {
                throw Bad(path, lineNumber, $"unknown key '{key}' (known: {string.Join(", ", currentKeys)})");
            }
            if (!current.TryAdd(key, value))
            {
                throw Bad(path, lineNumber, $"key '{key}' appears twice");
            }
        }
        return new IniFile(path, sections);
    }

    /// <summary>Reads and parses a file; a missing file is a one-line error.</summary>
    public static IniFile Load(string path, IReadOnlyDictionary<string, string[]> allowed)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (FileNotFoundException)
        {
            throw KnockKnockException.Usage($"missing config file {path}");
        }
        catch (DirectoryNotFoundException)
        {
            throw KnockKnockException.Usage($"missing config file {path}");
        }
        catch (UnauthorizedAccessException)
        {
            throw KnockKnockException.Usage($"cannot read config file {path}: permission denied");
        }
        return Parse(path, text, allowed);
    }

    public string? Get(string section, string key) =>
        _sections.TryGetValue(section, out var values) && values.TryGetValue(key, out var value) ? value : null;

    public string Require(string section, string key) =>
        Get(section, key) ?? throw KnockKnockException.Usage($"{Path}: missing '{key}' in [{section}]");

    /// <summary>An integer in [min, max], or the default when the key is absent.</summary>
    public int GetInt(string section, string key, int defaultValue, int min, int max)
    {
        var text = Get(section, key);
        if (text is null)
        {
            return defaultValue;
        }
        return int.TryParse(text, System.Globalization.NumberStyles.None, null, out var value) && value >= min && value <= max
            ? value
            : throw KnockKnockException.Usage($"{Path}: '{key}' must be a whole number from {min} to {max}, not '{text}'");
    }

    /// <summary>yes/no (also true/false), or the default when the key is absent.</summary>
    public bool GetBool(string section, string key, bool defaultValue) => Get(section, key) switch
    {
        null => defaultValue,
        "yes" or "true" => true,
        "no" or "false" => false,
        var other => throw KnockKnockException.Usage($"{Path}: '{key}' must be yes or no, not '{other}'"),
    };

    private static KnockKnockException Bad(string path, int line, string message) =>
        KnockKnockException.Usage($"{path}:{line}: {message}");
}
