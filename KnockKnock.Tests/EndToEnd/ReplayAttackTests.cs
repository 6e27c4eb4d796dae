using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.EndToEnd;

/// <summary>
/// An eavesdropper who saw a knock sends the very same SYN again (hping3, same source port, same
/// IP ID, sequence, acknowledgement and window). Proves invariant 4 end to end: the LOG line is
/// identical, and nothing opens.
/// </summary>
[TestFixture("nft")]
[TestFixture("iptables")]
[Category("Root")]
[NonParallelizable]
public sealed class ReplayAttackTests(string backend)
{
    [Test]
    public void Resending_the_exact_same_SYN_opens_nothing_and_the_next_real_knock_still_works()
    {
        Root.Require();
        using var site = new KnockSite(backend, delaySeconds: 3);
        using var daemon = site.StartDaemon();
        using var kernelLog = new KernelLogTail();
        var knockPort = site.KnockPort();

        var sent = site.ClientKnock(KnockSite.Service);
        var original = KnockSite.WaitForLogLine(kernelLog, site.Net.ClientAddress, sent.Knock.SourcePort, knockPort);
        Assert.That(daemon.WaitForLine("accepted knock:", TimeSpan.FromSeconds(10)), Is.Not.Null, daemon.Output);
        Assert.That(site.CanConnect(), Is.True, "the real knock opened (and this connection used the opening up)");

        var mark = daemon.LineCount;
        site.Resend(sent.Knock.Fields, sent.Knock.SourcePort, knockPort);
        var replayed = KnockSite.WaitForLogLine(kernelLog, site.Net.ClientAddress, sent.Knock.SourcePort, knockPort);
        Assert.That(KnockSite.LoggedFields(replayed), Is.EqualTo(KnockSite.LoggedFields(original)), $"the replay is the same knock:\n{original}\n{replayed}");
        Assert.That(KnockSite.LoggedFields(replayed), Is.EqualTo(sent.Knock.Fields));
        Assert.That(KnockSite.Field(replayed, "SRC"), Is.EqualTo(KnockSite.Field(original, "SRC")));

        Thread.Sleep(1000);
        Assert.That(daemon.Lines("accepted knock:", mark), Is.Empty, daemon.Output);
        Assert.That(site.CanConnect(), Is.False, "the replay opened nothing");

        // The daemon handles lines in order: once the next real knock is accepted, the replay was handled and refused.
        var fresh = site.ClientKnock(KnockSite.Service);
        Assert.That(daemon.WaitForLine($"(counter {fresh.Knock.Counter})", TimeSpan.FromSeconds(10), mark), Is.Not.Null, daemon.Output);
        Assert.That(daemon.Lines("accepted knock:", mark), Has.Count.EqualTo(1), daemon.Output);
        Assert.That(site.CanConnect(), Is.True, "the next real knock opens");
    }
}
