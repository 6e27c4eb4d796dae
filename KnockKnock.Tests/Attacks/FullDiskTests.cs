using System.Text;
using KnockKnock.Daemon.Firewall;
using KnockKnock.Daemon.Firewall.Nft;
using KnockKnock.Tests.EndToEnd;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Attacks;

/// <summary>
/// A full disk used to make the daemon exit at the first valid knock (its counter's temp file could
/// not be written), and its worker, stopping, removed every other user's openings. Now a counter that
/// cannot be stored refuses that one knock (nothing opens, the knock stays valid) and everything else
/// goes on; the counter file keeps its blocks, so on a file system that overwrites in place a full disk
/// does not even stop knocks; status writes that fail are logged once, not every two seconds.
/// </summary>
[Category("Root")]
[NonParallelizable]
public sealed class FullDiskTests
{
    [Test]
    public void A_counter_that_cannot_be_stored_refuses_that_knock_only_and_the_same_knock_works_when_space_is_back()
    {
        Root.Require();
        using var net = new TestNetwork();
        var file = Path.GetTempFileName();
        File.WriteAllText(file, NftRuleset.Text([TestWorker.KnockPort], LogPrefix.Default));
        net.Server.Exec("nft", "-f", file);
        File.Delete(file);
        using var counters = new TempDirectory();
        Command.Check("mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "knockknock-test", counters.Path);
        try
        {
            using var worker = TestWorker.Start(NftBackend.Instance, net.Server, delay: 5, allowed: "2222", countersDirectory: counters);
            // A slot without its block (a sparse file, or a copy-on-write file system): writing it needs space.
            var counterFile = counters.Combine(TestWorker.Profile + ".counter");
            Command.Check("fallocate", "--punch-hole", "--offset", "4096", "--length", "4096", counterFile);
            Command.Run("dd", "if=/dev/zero", "of=" + counters.Combine("filler"), "bs=4k");
            var request = Encoding.ASCII.GetBytes($"open test 0 {net.ClientAddress} 2222 5");

            Assert.That(worker.Exchange(request), Does.StartWith("refused counter-not-stored: ").And.Contain("No space left on device"));
            Assert.That(net.Server.Exec("nft", "list", "set", "inet", "knockknock", "allowed"), Does.Not.Contain("elements"), "nothing opened");
            Assert.That(worker.Exited.IsCompleted, Is.False, "the worker goes on");

            File.Delete(counters.Combine("filler"));
            Assert.That(worker.Exchange(request), Is.EqualTo("ok"), "the same, still unused knock opens once space is back");
            Assert.That(worker.StoredCounter(), Is.EqualTo(1UL));
        }
        finally
        {
            Command.Run("umount", counters.Path);
        }
    }

    [Test]
    public void A_full_state_directory_neither_stops_the_daemon_nor_its_knocks_and_is_logged_once()
    {
        Root.Require();
        using var site = new KnockSite("nft", delaySeconds: 3);
        Directory.CreateDirectory(site.StateDirectory);
        Command.Check("mount", "-t", "tmpfs", "-o", "size=256k,mode=0755", "knockknock-test", site.StateDirectory);
        try
        {
            using var daemon = site.StartDaemon();
            Command.Run("dd", "if=/dev/zero", "of=" + Path.Combine(site.StateDirectory, "filler"), "bs=4k");
            site.ClientKnock(KnockSite.Service);
            Assert.That(daemon.WaitForLine("accepted knock:", TimeSpan.FromSeconds(10)), Is.Not.Null, daemon.Output);
            Assert.That(site.CanConnect(), Is.True, "the knock opened on a full disk");
            Thread.Sleep(5000);
            Assert.That(daemon.HasExited, Is.False, daemon.Output);
            Assert.That(daemon.Lines("cannot write the status file"), Has.Count.EqualTo(1), daemon.Output);

            File.Delete(Path.Combine(site.StateDirectory, "filler"));
            Assert.That(daemon.WaitForLine("the status file is written again", TimeSpan.FromSeconds(10)), Is.Not.Null, daemon.Output);
            var mark = daemon.LineCount;
            site.ClientKnock(KnockSite.Service);
            Assert.That(daemon.WaitForLine("accepted knock:", TimeSpan.FromSeconds(10), mark), Is.Not.Null, daemon.Output);
        }
        finally
        {
            Command.Run("umount", "-l", site.StateDirectory);
        }
    }
}
