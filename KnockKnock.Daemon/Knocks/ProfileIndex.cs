using KnockKnock.Crypto;

namespace KnockKnock.Daemon.Knocks;

/// <summary>
/// All server profiles, indexed by knock port: a 65536-slot table, so finding the profile for a LOG
/// line is one array read. Two profiles on one knock port is a start-up error.
/// </summary>
internal sealed class ProfileIndex : IDisposable
{
    private readonly ServerProfile?[] _byKnockPort = new ServerProfile?[65536];
    private readonly List<ServerProfile> _profiles;

    private ProfileIndex(List<ServerProfile> profiles)
    {
        _profiles = profiles;
        foreach (var profile in profiles)
        {
            _byKnockPort[profile.Profile.KnockPort] = profile;
        }
    }

    public IReadOnlyList<ServerProfile> Profiles => _profiles;

    /// <summary>Loads every profile directory under <paramref name="profilesDirectory"/>.</summary>
    public static ProfileIndex Load(string profilesDirectory, string stateDirectory, uint stateOwner, uint stateGroup)
    {
        if (!Directory.Exists(profilesDirectory))
        {
            throw KnockKnockException.Usage($"no profiles directory {profilesDirectory}: create a profile with knockknock-genprofile NAME KNOCK_PORT");
        }
        var directories = Directory.EnumerateDirectories(profilesDirectory)
            .Where(d => !Path.GetFileName(d).StartsWith('.'))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (directories.Count == 0)
        {
            throw KnockKnockException.Usage($"no profiles in {profilesDirectory}: create one with knockknock-genprofile NAME KNOCK_PORT");
        }
        var profiles = new List<ServerProfile>();
        try
        {
            foreach (var directory in directories)
            {
                var profile = ServerProfile.Load(directory, stateDirectory, stateOwner, stateGroup);
                profiles.Add(profile);
                var clash = profiles.Find(p => p != profile && p.Profile.KnockPort == profile.Profile.KnockPort);
                if (clash is not null)
                {
                    throw KnockKnockException.Usage($"profiles '{clash.Profile.Name}' and '{profile.Profile.Name}' both use knock port {profile.Profile.KnockPort}: give one of them another port");
                }
            }
            return new ProfileIndex(profiles);
        }
        catch
        {
            profiles.ForEach(p => p.Dispose());
            throw;
        }
    }

    /// <summary>The profile whose knock port is <paramref name="knockPort"/>, or null.</summary>
    public ServerProfile? Find(ushort knockPort) => _byKnockPort[knockPort];

    public void Dispose() => _profiles.ForEach(p => p.Dispose());
}
