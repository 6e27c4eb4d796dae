using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.EndToEnd;

/// <summary>
/// An authentic knock asking for a port its profile does not allow (allow = 2222, knock for 2223):
/// the daemon logs it and opens nothing, neither the asked port nor the allowed one.
/// </summary>
[TestFixture("nft")]
[TestFixture("iptables")]
[Category("Root")]
[NonParallelizable]
public sealed class DisallowedPortTests(string backend)
{
    [Test]
    public void A_knock_for_a_port_outside_the_profile_is_logged_and_opens_nothing()
    {
        Root.Require();
        using var site = new KnockSite(backend, delaySeconds: 3, services: [2222, 2223]);
        using var daemon = site.StartDaemon();

        site.ClientKnock(2223);

        var warning = daemon.WaitForLine("asked for port 2223, which the profile may not open", TimeSpan.FromSeconds(10));
        Assert.That(warning?.Text, Does.Contain($"knock from {site.Net.ClientAddress} for profile alpha"), daemon.Output);
        Assert.That(daemon.Lines("accepted knock:"), Is.Empty, daemon.Output);
        Assert.That(site.Openings(), Is.Empty);
        Assert.That(site.CanConnect(2223), Is.False, "the asked port stays shut");
        Assert.That(site.CanConnect(2222), Is.False, "and so does the allowed one");
    }
}
