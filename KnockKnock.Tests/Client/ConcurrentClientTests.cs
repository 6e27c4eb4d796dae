using KnockKnock.Crypto.Counters;
using KnockKnock.Crypto.Profiles;
using KnockKnock.Crypto.Protocol;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Client;

/// <summary>Invariant 4: the client never reuses a counter, even with clients running at once.</summary>
[TestFixture]
public sealed class ConcurrentClientTests
{
    [Test]
    public void Clients_knocking_with_one_profile_at_once_never_share_a_counter()
    {
        const int Clients = 8, Rounds = 3;
        using var home = new TempDirectory();
        var profile = ClientProfile.Create(home.Path, "127.0.0.1", 7010);
        var counters = new List<ulong>();

        for (var round = 0; round < Rounds; round++)
        {
            // Real processes, started together: each reserves its counter through the profile's lock.
            var processes = Enumerable.Range(0, Clients)
                .Select(_ => Command.Start(ClientBinary.Path, ["-p", "22", "127.0.0.1", "--profile-dir", profile, "--dry-run", "-v"]))
                .ToList();
            foreach (var process in processes)
            {
                using (process)
                {
                    var output = process.StandardOutput.ReadToEnd();
                    var error = process.StandardError.ReadToEnd();
                    Assert.That(process.WaitForExit(TimeSpan.FromSeconds(60)), Is.True);
                    Assert.That(process.ExitCode, Is.EqualTo(ExitCodes.Ok), error);
                    counters.Add(Knock.Parse(output).Counter);
                }
            }
        }

        Assert.That(counters, Is.Unique);
        Assert.That(counters, Has.Count.EqualTo(Clients * Rounds));
        using var loaded = Profile.Load(profile);
        using var store = loaded.OpenCounter();
        Assert.That(store.Read(), Is.GreaterThan(counters.Max()), "the stored counter is past every one used");
    }
}
