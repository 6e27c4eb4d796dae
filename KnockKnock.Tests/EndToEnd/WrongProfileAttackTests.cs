using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.EndToEnd;

/// <summary>
/// Two profiles on one server. A valid, never-used knock of profile A sent to profile B's knock
/// port must open nothing (invariant 3: the MAC binds the knock to its profile and knock port);
/// the same fields sent to A's own port do open, so the rejection is not an artefact of the resend.
/// </summary>
[TestFixture("nft")]
[TestFixture("iptables")]
[Category("Root")]
[NonParallelizable]
public sealed class WrongProfileAttackTests(string backend)
{
    [Test]
    public void A_knock_for_profile_A_sent_to_profile_B_knock_port_opens_nothing()
    {
        Root.Require();
        using var site = new KnockSite(backend, delaySeconds: 3, profiles: [("alpha", "2222"), ("bravo", "2222")]);
        using var daemon = site.StartDaemon();
        using var kernelLog = new KernelLogTail();

        // A valid knock for alpha that never left the client (--dry-run uses up a counter and prints it).
        var alpha = site.ClientKnock(KnockSite.Service, "alpha", dryRun: true).Knock;
        const ushort SourcePort = 41000;

        site.Resend(alpha.Fields, SourcePort, site.KnockPort("bravo"));
        var line = KnockSite.WaitForLogLine(kernelLog, site.Net.ClientAddress, SourcePort, site.KnockPort("bravo"));
        Assert.That(KnockSite.LoggedFields(line), Is.EqualTo(alpha.Fields), line);
        Thread.Sleep(1000);
        Assert.That(daemon.Lines("accepted knock:"), Is.Empty, daemon.Output);
        Assert.That(site.Openings(), Is.Empty);
        Assert.That(site.CanConnect(), Is.False, "alpha's knock at bravo's port opened nothing");

        site.Resend(alpha.Fields, SourcePort, site.KnockPort("alpha"));
        var accepted = daemon.WaitForLine("accepted knock:", TimeSpan.FromSeconds(10));
        Assert.That(accepted?.Text, Does.Contain($"profile alpha, source {site.Net.ClientAddress}, port 2222").And.Contain($"(counter {alpha.Counter})"), daemon.Output);
        Assert.That(site.CanConnect(), Is.True, "the same fields at alpha's own port open");
    }
}
