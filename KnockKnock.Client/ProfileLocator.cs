using System.CommandLine;
using KnockKnock.Crypto.Profiles;

namespace KnockKnock.Client;

/// <summary>Finds and loads the client's copy of a profile: <c>--profile-dir</c> or <c>~/.knockknock/HOST/</c>.</summary>
internal static class ProfileLocator
{
    public static string DefaultDirectory(string host)
        => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".knockknock", host);

    /// <summary>The <c>--profile-dir</c> option every command that takes a HOST has.</summary>
    public static Option<string> DirectoryOption() => new("--profile-dir")
    {
        Description = "The profile directory [default: ~/.knockknock/HOST/].",
        HelpName = "DIR",
    };

    /// <summary>Loads the profile of <paramref name="host"/> from <paramref name="directory"/>, or from the default directory when that is null.</summary>
    public static Profile Load(string? directory, string host) => Load(directory ?? DefaultDirectory(host));

    /// <summary>Loads the profile; a missing one is a usage error that lists the profiles next to it.</summary>
    public static Profile Load(string directory)
    {
        if (!Directory.Exists(directory))
        {
            var parent = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)));
            throw KnockKnockException.Usage($"no such profile: {directory} ({DescribeSiblings(parent)})");
        }
        return Profile.Load(directory);
    }

    private static string DescribeSiblings(string? parent)
    {
        if (parent is null || !Directory.Exists(parent))
        {
            return $"{parent} does not exist";
        }
        string[] names;
        try
        {
            names = [.. Directory.EnumerateDirectories(parent).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];
        }
        catch (UnauthorizedAccessException)
        {
            return $"{parent} is not readable";
        }
        return names.Length == 0
            ? $"no profiles in {parent}"
            : $"profiles in {parent}: {string.Join(", ", names)}";
    }
}
