using KnockKnock.Tests.EndToEnd;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Attacks;

/// <summary>
/// Replaying logged knocks by moving a counter back. The daemon user used to own its counters: it
/// could delete one, and root then re-seeded it from the profile's older counter, so every knock
/// since became valid again. Now the server counters are root's, in a directory the daemon user
/// cannot write, and a counter that vanished after its profile was used is refused at start, never
/// re-seeded lower (README, "Counters out of sync").
/// </summary>
[Category("Root")]
[NonParallelizable]
public sealed class CounterRollbackAttackTests
{
    [Test]
    public void The_daemon_user_can_neither_delete_nor_rewrite_a_server_counter()
    {
        Root.Require();
        using var site = new KnockSite("nft");
        using (var daemon = site.StartDaemon())
        {
            Assert.That(daemon.Stop(), Is.Zero, daemon.Output);
        }
        var counter = Path.Combine(site.StateDirectory, "counters", "alpha.counter");
        Assert.That(File.Exists(counter), Is.True);
        var before = File.ReadAllBytes(counter);
        foreach (var attempt in new[] { new[] { "rm", "-f", counter }, ["truncate", "-s", "0", counter], ["mv", counter, counter + ".x"] })
        {
            var result = Command.Run("setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--", .. attempt]);
            Assert.That(result.ExitCode, Is.Not.Zero, $"{string.Join(' ', attempt)} as nobody: {result}");
        }
        Assert.That(File.ReadAllBytes(counter), Is.EqualTo(before));
    }

    [Test]
    public void A_deleted_state_counter_is_refused_never_re_seeded_lower_and_the_old_knock_stays_dead()
    {
        Root.Require();
        using var site = new KnockSite("nft");
        using var kernelLog = new KernelLogTail();
        SentKnock sent;
        using (var daemon = site.StartDaemon())
        {
            sent = site.ClientKnock(KnockSite.Service);
            Assert.That(daemon.WaitForLine("accepted knock:", TimeSpan.FromSeconds(10)), Is.Not.Null, daemon.Output);
            Assert.That(daemon.Stop(), Is.Zero, daemon.Output);
        }
        // Whoever removes the counter (root by mistake, or anyone once able to), the daemon must not start from the profile's counter 0.
        File.Delete(Path.Combine(site.StateDirectory, "counters", "alpha.counter"));
        var refused = DaemonProcess.Start(site.Net.Server, ["--foreground", "--config-dir", site.ConfigDirectory, "--state-dir", site.StateDirectory, "--pidfile", site.PidFile, "--firewall", "nft"]);
        using (refused)
        {
            Assert.That(refused.WaitForExit(TimeSpan.FromSeconds(30)), Is.EqualTo(ExitCodes.Usage), refused.Output);
            Assert.That(refused.Output, Does.Contain("the server counter of profile alpha").And.Contain("is missing although the profile has been used").And.Contain("Counters out of sync"));
            Assert.That(refused.Output.Trim().Split('\n').Where(l => !l.Contains("warning:", StringComparison.Ordinal)).ToList(), Has.Count.EqualTo(1), "one line");
        }

        // The documented way out: raise the profile's counter to the client's, then let the daemon forget the profile was used.
        var clientCounter = Command.Check(Binaries.Client, "counter", "alpha", "--profile-dir", Path.Combine(site.ClientDirectory, "alpha")).Trim();
        File.WriteAllText(Path.Combine(site.ConfigDirectory, "profiles", "alpha", "counter"), clientCounter + "\n");
        File.WriteAllText(Path.Combine(site.StateDirectory, "counters", "known"), "");
        using var daemon2 = site.StartDaemon();
        var mark = daemon2.LineCount;
        site.Resend(sent.Knock.Fields, sent.Knock.SourcePort, site.KnockPort());
        _ = KnockSite.WaitForLogLine(kernelLog, site.Net.ClientAddress, sent.Knock.SourcePort, site.KnockPort());
        Thread.Sleep(1000);
        Assert.That(daemon2.Lines("accepted knock:", mark), Is.Empty, "the old knock stays used: " + daemon2.Output);
        site.ClientKnock(KnockSite.Service);
        Assert.That(daemon2.WaitForLine("accepted knock:", TimeSpan.FromSeconds(10), mark), Is.Not.Null, "a fresh knock works: " + daemon2.Output);
    }
}
