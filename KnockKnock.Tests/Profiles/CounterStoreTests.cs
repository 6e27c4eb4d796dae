using KnockKnock.Crypto.Counters;
using KnockKnock.Crypto.Profiles;
using KnockKnock.Crypto.Protocol;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Profiles;

/// <summary>
/// The counter store: durable, monotonic, and exclusive across real processes; a decimal file (a new
/// profile, or a user's resynchronisation) becomes the two-slot record at the first reservation,
/// which then writes the older slot each time, so no torn write ever lowers it.
/// </summary>
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

    [Test]
    public void A_reservation_turns_the_decimal_file_into_a_record_and_then_writes_the_older_slot_each_time()
    {
        using var dir = new TempDirectory();
        var profile = dir.Combine("p");
        Profile.Create(profile, 7000, PortSet.All, bindSource: false);
        using var store = CounterStore.Open(profile, Tmds.Linux.LibC.geteuid());
        Assert.That(File.ReadAllText(store.Path), Is.EqualTo("0\n"));

        Assert.That(store.Reserve(), Is.Zero);
        Assert.That(File.ReadAllBytes(store.Path), Is.EqualTo(CounterSlots.Record(1)), "both slots hold the new value");
        Assert.That(store.Reserve(), Is.EqualTo(1UL));
        Assert.That(Slots(store.Path), Is.EqualTo((1UL, 2UL)));
        Assert.That(store.Reserve(), Is.EqualTo(2UL));
        Assert.That(Slots(store.Path), Is.EqualTo((3UL, 2UL)));
        Assert.That((store.Read(), File.GetUnixFileMode(store.Path)), Is.EqualTo((3UL, UnixFileMode.UserRead | UnixFileMode.UserWrite)));
    }

    [Test]
    public void A_torn_write_leaves_the_value_before_it_never_a_lower_one()
    {
        using var dir = new TempDirectory();
        var profile = dir.Combine("p");
        Profile.Create(profile, 7000, PortSet.All, bindSource: false);
        using var store = CounterStore.Open(profile, Tmds.Linux.LibC.geteuid());
        for (var i = 0; i < 3; i++)
        {
            store.Reserve();
        }
        // Slot 0 holds 3, slot 1 holds 2: the write of 4 goes to slot 1. A crash tore it half-way.
        using (var file = new FileStream(store.Path, FileMode.Open, FileAccess.Write))
        {
            file.Position = CounterSlots.SecondSlot;
            file.Write(CounterSlots.Format(4).AsSpan(0, 12));
        }
        Assert.That(store.Read(), Is.EqualTo(3UL));
        Assert.That(store.Reserve(), Is.EqualTo(3UL), "the torn write's knock was never sent: 3 is still unused");
        Assert.That(Slots(store.Path), Is.EqualTo((3UL, 4UL)));
    }

    [Test]
    public void A_decimal_number_written_over_the_record_raises_the_counter_and_becomes_a_record_again()
    {
        using var dir = new TempDirectory();
        var profile = dir.Combine("p");
        Profile.Create(profile, 7000, PortSet.All, bindSource: false);
        using var store = CounterStore.Open(profile, Tmds.Linux.LibC.geteuid());
        store.Reserve();
        store.Reserve();
        File.WriteAllText(store.Path, "500\n");
        Assert.That(store.Read(), Is.EqualTo(500UL));
        Assert.That(store.Reserve(), Is.EqualTo(500UL));
        Assert.That(File.ReadAllBytes(store.Path), Is.EqualTo(CounterSlots.Record(501)));
    }

    [Test]
    public void A_record_without_a_valid_slot_is_corrupt_and_left_as_it_was()
    {
        using var dir = new TempDirectory();
        var profile = dir.Combine("p");
        Profile.Create(profile, 7000, PortSet.All, bindSource: false);
        var path = Path.Combine(profile, CounterStore.FileName);
        var record = CounterSlots.Record(7);
        record[30] ^= 1;
        record[CounterSlots.SecondSlot + 30] ^= 1;
        File.WriteAllBytes(path, record);
        var error = Assert.Throws<KnockKnockException>(() => CounterStore.Open(profile, Tmds.Linux.LibC.geteuid()).Dispose())!;
        Assert.That(error.ExitCode, Is.EqualTo(ExitCodes.Usage));
        Assert.That(error.Message, Does.StartWith("corrupt counter file " + path));
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(record));
    }

    [Test]
    public void A_symlinked_counter_is_refused_and_its_target_left_alone()
    {
        using var dir = new TempDirectory();
        var profile = dir.Combine("p");
        Profile.Create(profile, 7000, PortSet.All, bindSource: false);
        var path = Path.Combine(profile, CounterStore.FileName);
        var target = dir.Combine("elsewhere");
        File.Move(path, target);
        File.CreateSymbolicLink(path, target);
        var error = Assert.Throws<KnockKnockException>(() => CounterStore.Open(profile, Tmds.Linux.LibC.geteuid()).Dispose())!;
        Assert.That((error.ExitCode, error.Message), Is.EqualTo((ExitCodes.Usage, $"{path} is not a regular file (symlinks and special files are refused): replace it with a real file")));
        Assert.That(File.ReadAllText(target), Is.EqualTo("0\n"));
    }

    [Test]
    public void A_counter_hard_linked_into_a_second_profile_is_refused_so_no_value_goes_out_twice()
    {
        using var dir = new TempDirectory();
        var profile = dir.Combine("p");
        Profile.Create(profile, 7000, PortSet.All, bindSource: false);
        var alias = dir.Combine("alias");
        Directory.CreateDirectory(alias, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var path = Path.Combine(profile, CounterStore.FileName);
        Command.Check("ln", path, Path.Combine(alias, CounterStore.FileName));
        var error = Assert.Throws<KnockKnockException>(() => CounterStore.Open(alias, Tmds.Linux.LibC.geteuid()).Dispose())!;
        Assert.That((error.ExitCode, error.Message), Is.EqualTo((ExitCodes.Usage, $"{Path.Combine(alias, CounterStore.FileName)} has 2 links: a counter must be one file of its own; replace the links by copies")));
        Assert.That(File.ReadAllText(path), Is.EqualTo("0\n"));
    }

    private static (ulong First, ulong Second) Slots(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.That(bytes, Has.Length.EqualTo(CounterSlots.RecordLength));
        return (CounterSlots.Parse(bytes.AsSpan(0, CounterSlots.SlotLength))!.Value, CounterSlots.Parse(bytes.AsSpan(CounterSlots.SecondSlot))!.Value);
    }
}
