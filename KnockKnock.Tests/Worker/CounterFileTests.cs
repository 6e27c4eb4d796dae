using System.Text;
using KnockKnock.Crypto.Counters;
using KnockKnock.Daemon.Knocks;
using KnockKnock.Daemon.Worker;
using KnockKnock.Tests.Support;
using Tmds.Linux;

namespace KnockKnock.Tests.Worker;

/// <summary>
/// The server counter's file: two slots written in turn, each one pwrite and one fdatasync, so a
/// crash in the middle of a write leaves the old value or the new one, never a lower one; and the
/// root start-up that seeds it and refuses one that vanished after use (<see cref="ServerCounters"/>).
/// </summary>
[Category("Root")]
public sealed class CounterFileTests
{
    private TempDirectory _dir = null!;
    private FileDescriptorHandle _handle = null!;

    [SetUp]
    public void SetUp()
    {
        Root.Require(); // the file must be root's
        _dir = new TempDirectory();
        _handle = Interop.Open(_dir.Path, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC);
    }

    [TearDown]
    public void TearDown()
    {
        _handle?.Dispose();
        _dir?.Dispose();
    }

    private string FilePath => _dir.Combine("alpha.counter");

    private ulong Reopen()
    {
        Assert.That(CounterFile.TryOpen(_handle, _dir.Path, "alpha", out var counter), Is.True);
        using (counter)
        {
            return counter.Value;
        }
    }

    [Test]
    public void Writes_alternate_between_the_slots_and_the_larger_valid_slot_wins()
    {
        using (var counter = CounterFile.Create(_handle, _dir.Path, "alpha", 5))
        {
            Assert.That(File.GetUnixFileMode(FilePath), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
            Assert.That(counter.TryAdvance(6, out var error), Is.True, error);
            Assert.That(counter.TryAdvance(9, out error), Is.True, error);
            Assert.That(counter.TryAdvance(7, out error), Is.True, "lower: already covered, nothing written");
        }
        var bytes = File.ReadAllBytes(FilePath);
        Assert.That(CounterSlots.Parse(bytes.AsSpan(0, 39)), Is.EqualTo(9UL), "slot 0: the third write");
        Assert.That(CounterSlots.Parse(bytes.AsSpan(4096, 39)), Is.EqualTo(6UL), "slot 1: the second");
        Assert.That(Reopen(), Is.EqualTo(9UL));
    }

    [Test]
    public void A_torn_write_leaves_the_previous_value_never_a_lower_one()
    {
        using (var counter = CounterFile.Create(_handle, _dir.Path, "alpha", 40))
        {
            Assert.That(counter.TryAdvance(41, out var error), Is.True, error);
        }
        // A crash in the middle of the next write (to slot 0, which holds 40): half of the new slot reached the disk.
        var bytes = File.ReadAllBytes(FilePath);
        var next = CounterSlots.Format(42);
        Array.Copy(next, 0, bytes, 0, 20);
        File.WriteAllBytes(FilePath, bytes);
        Assert.That(Reopen(), Is.EqualTo(41UL));
    }

    [TestCase("KKC1 0000000000000005 fffffffffffffffa\n", 5UL)]
    [TestCase("KKC1 0000000000000005 fffffffffffffffb\n", null)]
    [TestCase("KKC1 000000000000000G fffffffffffffffa\n", null)]
    [TestCase("KKC1 0000000000000005 FFFFFFFFFFFFFFFA\n", null)]
    [TestCase("KKC2 0000000000000005 fffffffffffffffa\n", null)]
    [TestCase("\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", null)]
    public void A_slot_is_valid_only_with_its_exact_shape_and_matching_complement(string slot, ulong? value)
        => Assert.That(CounterSlots.Parse(Encoding.ASCII.GetBytes(slot)), Is.EqualTo(value));

    [Test]
    public void A_counter_file_of_another_owner_or_with_loose_permissions_is_refused()
    {
        using (CounterFile.Create(_handle, _dir.Path, "alpha", 1))
        {
        }
        File.SetUnixFileMode(FilePath, (UnixFileMode)0b110_100_100);
        var loose = Assert.Throws<KnockKnockException>(() => CounterFile.TryOpen(_handle, _dir.Path, "alpha", out _))!;
        Assert.That(loose.Message, Does.Contain("must be a plain file owned by root with mode 0600"));
        File.SetUnixFileMode(FilePath, (UnixFileMode)0b110_000_000);
        Command.Check("chown", "nobody", FilePath);
        Assert.That(() => CounterFile.TryOpen(_handle, _dir.Path, "alpha", out _), Throws.InstanceOf<KnockKnockException>());
    }

    [Test]
    public void Start_up_seeds_a_new_counter_from_the_profile_and_raises_an_existing_one_never_lowers_it()
    {
        Assert.That(ServerCounters.Prepare(_handle, _dir.Path, [("alpha", 3UL)])["alpha"], Is.EqualTo(3UL));
        Assert.That(ServerCounters.Prepare(_handle, _dir.Path, [("alpha", 40UL)])["alpha"], Is.EqualTo(40UL), "a raised profile counter moves it forward");
        Assert.That(ServerCounters.Prepare(_handle, _dir.Path, [("alpha", 0UL)])["alpha"], Is.EqualTo(40UL), "a lower one never moves it back");
        Assert.That(File.ReadAllText(_dir.Combine(ServerCounters.KnownFile)), Is.EqualTo("alpha\n"));
    }

    [Test]
    public void Start_up_refuses_a_counter_that_vanished_after_its_profile_was_used()
    {
        _ = ServerCounters.Prepare(_handle, _dir.Path, [("alpha", 0UL), ("beta", 0UL)]);
        File.Delete(FilePath);
        var error = Assert.Throws<KnockKnockException>(() => ServerCounters.Prepare(_handle, _dir.Path, [("alpha", 0UL), ("beta", 0UL)]))!;
        Assert.That(error.ExitCode, Is.EqualTo(ExitCodes.Usage));
        Assert.That(error.Message, Does.StartWith($"the server counter of profile alpha ({FilePath}) is missing although the profile has been used"));
    }
}
