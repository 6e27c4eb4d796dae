namespace KnockKnock.Crypto.Profiles;

/// <summary>
/// A directory of server profiles (/etc/knockknock.d/profiles): one subdirectory per profile, each
/// with its own knock port. The one place that lists and loads them (the daemon, check, rules and
/// genprofile all go through here).
/// </summary>
public static class ProfileDirectory
{
    /// <summary>
    /// The profile directories, sorted by name; names starting with '.' are skipped (genprofile's
    /// staging directories). A missing directory is a usage error that says how to make a profile.
    /// </summary>
    public static IReadOnlyList<string> List(string profilesDirectory)
    {
        ArgumentNullException.ThrowIfNull(profilesDirectory);
        if (!Directory.Exists(profilesDirectory))
        {
            throw KnockKnockException.Usage($"no profiles directory {profilesDirectory}: create a profile with knockknock-genprofile NAME KNOCK_PORT");
        }
        return [.. Directory.EnumerateDirectories(profilesDirectory)
            .Where(d => !Path.GetFileName(d).StartsWith('.'))
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// Loads every profile, failing on the first broken one, on none at all, and on two profiles
    /// with one knock port (a knock port must name exactly one profile). The caller disposes them.
    /// </summary>
    public static List<Profile> LoadAll(string profilesDirectory)
    {
        var directories = List(profilesDirectory);
        if (directories.Count == 0)
        {
            throw KnockKnockException.Usage($"no profiles in {profilesDirectory}: create one with knockknock-genprofile NAME KNOCK_PORT");
        }
        var profiles = new List<Profile>();
        try
        {
            foreach (var directory in directories)
            {
                var profile = Profile.Load(directory);
                profiles.Add(profile);
                if (KnockPortClash(profiles, profile) is { } clash)
                {
                    throw KnockKnockException.Usage(clash);
                }
            }
            return profiles;
        }
        catch
        {
            profiles.ForEach(p => p.Dispose());
            throw;
        }
    }

    /// <summary>Why <paramref name="profile"/> cannot join <paramref name="others"/> (another profile has its knock port), or null.</summary>
    public static string? KnockPortClash(IEnumerable<Profile> others, Profile profile)
        => others.FirstOrDefault(p => p != profile && p.KnockPort == profile.KnockPort) is { } clash
            ? $"profiles '{clash.Name}' and '{profile.Name}' both use knock port {profile.KnockPort}: give one of them another port"
            : null;
}
