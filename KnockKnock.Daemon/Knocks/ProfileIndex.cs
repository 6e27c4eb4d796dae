using KnockKnock.Crypto.Profiles;

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

    /// <summary>Loads every profile under <paramref name="profilesDirectory"/> (<see cref="ProfileDirectory.LoadAll"/>) with its state counter.</summary>
    public static ProfileIndex Load(string profilesDirectory, string stateDirectory, uint stateOwner, uint stateGroup)
    {
        var loaded = ProfileDirectory.LoadAll(profilesDirectory);
        var profiles = new List<ServerProfile>();
        try
        {
            foreach (var profile in loaded)
            {
                profiles.Add(ServerProfile.Load(profile, stateDirectory, stateOwner, stateGroup));
            }
            return new ProfileIndex(profiles);
        }
        catch
        {
            profiles.ForEach(p => p.Dispose());
            loaded.Skip(profiles.Count).ToList().ForEach(p => p.Dispose());
            throw;
        }
    }

    /// <summary>The profile whose knock port is <paramref name="knockPort"/>, or null.</summary>
    public ServerProfile? Find(ushort knockPort) => _byKnockPort[knockPort];

    public void Dispose() => _profiles.ForEach(p => p.Dispose());
}
