using KnockKnock.Crypto.Counters;
using KnockKnock.Crypto.Profiles;
using KnockKnock.Crypto.Protocol;

namespace KnockKnock.Tests.Client;

/// <summary>Client profile directories for tests, made with the Crypto library's own writer.</summary>
internal static class ClientProfile
{
    /// <summary>Makes <c>PARENT/NAME/</c> and returns its path; protocol 1 unless asked (most client tests read v1's four fields).</summary>
    public static string Create(string parent, string name, ushort knockPort, bool bindSource = false, int protocol = 1)
    {
        var directory = Path.Combine(parent, name);
        Profile.Create(directory, knockPort, PortSet.All, bindSource, protocol);
        return directory;
    }

    /// <summary>A snapshot of every file in the profile, to prove a failed knock changed nothing.</summary>
    public static Dictionary<string, string> Snapshot(string directory)
        => Directory.EnumerateFiles(directory).ToDictionary(f => Path.GetFileName(f), f => Convert.ToHexString(File.ReadAllBytes(f)));
}
