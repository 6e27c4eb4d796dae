using KnockKnock.Crypto.Counters;
using KnockKnock.Crypto.Profiles;
using KnockKnock.Crypto.Protocol;
using KnockKnock.Daemon.Worker;
using KnockKnock.Tests.Support;
using Tmds.Linux;

namespace KnockKnock.Tests.Protocol;

/// <summary>Counters: the window ahead, and a counter value accepted at most once, across reloads.</summary>
[TestFixture]
public sealed class ReplayTests
{
    private const ushort KnockPort = 7000;

    [Test]
    public void Open_accepts_a_knock_five_counters_ahead()
    {
        using var cipher = KnockCipher.Create(new byte[32], bindSource: false);
        Assert.That(cipher.TryOpen(cipher.Seal(105, KnockPort, 22, default), 100, 20, KnockPort, default, out var counter, out _), Is.True);
        Assert.That(counter, Is.EqualTo(105));
    }

    [TestCase(20)]
    [TestCase(21)]
    [TestCase(1000)]
    public void Open_rejects_a_knock_a_window_or_more_ahead(int ahead)
    {
        using var cipher = KnockCipher.Create(new byte[32], bindSource: false);
        Assert.That(cipher.TryOpen(cipher.Seal(100 + (ulong)ahead, KnockPort, 22, default), 100, 20, KnockPort, default, out _, out _), Is.False);
    }

    [Test]
    public void Open_rejects_a_knock_below_the_window()
    {
        using var cipher = KnockCipher.Create(new byte[32], bindSource: false);
        Assert.That(cipher.TryOpen(cipher.Seal(99, KnockPort, 22, default), 100, 20, KnockPort, default, out _, out _), Is.False);
    }

    [Test]
    public void Open_rejects_an_accepted_counter_the_second_time_also_after_reopening_the_server_counter()
    {
        Root.Require(); // the server counter is root's
        using var dir = new TempDirectory();
        using var directory = Interop.Open(dir.Path, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC);
        CounterFile.Create(directory, dir.Path, "server", 0).Dispose();
        using var cipher = KnockCipher.Create(new byte[32], bindSource: false);
        var knock = cipher.Seal(3, KnockPort, 22, default);
        Assert.That(Accept(directory, dir.Path, cipher, knock), Is.True, "first time");
        Assert.That(Accept(directory, dir.Path, cipher, knock), Is.False, "second time, and after reopening: the counter file is the truth");
        Assert.That(Accept(directory, dir.Path, cipher, cipher.Seal(4, KnockPort, 22, default)), Is.True, "the next counter still works");
    }

    /// <summary>The server's acceptance rule: open within the window from the stored counter, then store matched+1 (as the worker does).</summary>
    private static bool Accept(FileDescriptorHandle directory, string path, KnockCipher cipher, KnockFields knock)
    {
        Assert.That(CounterFile.TryOpen(directory, path, "server", out var counter), Is.True);
        using (counter)
        {
            if (!cipher.TryOpen(knock, counter.Value, 20, KnockPort, default, out var matched, out _))
            {
                return false;
            }
            Assert.That(counter.TryAdvance(matched + 1, out var error), Is.True, error);
            return true;
        }
    }
}
