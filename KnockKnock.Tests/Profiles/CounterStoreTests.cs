using KnockKnock.Crypto.Counters;
using KnockKnock.Crypto.Profiles;
using KnockKnock.Crypto.Protocol;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Profiles;

/// <summary>The counter store: durable, monotonic, and exclusive across real processes.</summary>
[TestFixture]
public sealed class CounterStoreTests
{
    [Test]
    public void Eight_processes_reserving_a_hundred_counters_each_get_eight_hundred_distinct_values()
    {
        using var dir = new TempDirectory();
        var profile = dir.Combine("p");
        Profile.Create(profile, 7000, PortSet.All, bindSource: false);
        var children = Enumerable.Range(0, 8).Select(_ => ChildProcess.Start("reserve", profile, "100")).ToList();
        var outputs = children.Select(c => c.StandardOutput.ReadToEndAsync()).ToList();
        var values = new List<ulong>();
        foreach (var (child, output) in children.Zip(outputs))
        {
            Assert.That(child.WaitForExit(TimeSpan.FromMinutes(2)), Is.True);
            Assert.That(child.ExitCode, Is.EqualTo(0), child.StandardError.ReadToEnd());
            values.AddRange(output.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(ulong.Parse));
            child.Dispose();
        }
        Assert.That(values, Has.Count.EqualTo(800));
        Assert.That(values, Is.Unique);
        Assert.That(values.Max(), Is.EqualTo(799UL));
        using var store = CounterStore.Open(profile, Tmds.Linux.LibC.geteuid());
        Assert.That(store.Read(), Is.EqualTo(800UL));
    }

    [Test]
    public void The_counter_file_stays_private_after_a_rewrite()
    {
        using var dir = new TempDirectory();
        var profile = dir.Combine("p");
        Profile.Create(profile, 7000, PortSet.All, bindSource: false);
        using var store = CounterStore.Open(profile, Tmds.Linux.LibC.geteuid());
        store.Reserve();
        Assert.That(File.GetUnixFileMode(store.Path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
    }
}
