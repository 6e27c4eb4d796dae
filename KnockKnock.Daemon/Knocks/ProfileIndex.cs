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

    /// <summary>
    /// Loads every profile under <paramref name="profilesDirectory"/> (<see cref="ProfileDirectory.LoadAll"/>);
    /// <paramref name="firstCounters"/> says where each one's counters start (<see cref="ServerCounters.Prepare"/>).
    /// </summary>
    public static ProfileIndex Load(string profilesDirectory, Func<IReadOnlyList<Profile>, IReadOnlyDictionary<string, ulong>> firstCounters)
    {
        var loaded = ProfileDirectory.LoadAll(profilesDirectory);
        try
        {
            var next = firstCounters(loaded);
            return new ProfileIndex([.. loaded.Select(p => new ServerProfile(p, next[p.Name]))]);
        }
        catch
        {
            loaded.ForEach(p => p.Dispose());
            throw;
        }
    }

    /// <summary>The profile whose knock port is <paramref name="knockPort"/>, or null.</summary>
    public ServerProfile? Find(ushort knockPort) => _byKnockPort[knockPort];

    public void Dispose() => _profiles.ForEach(p => p.Dispose());
}
