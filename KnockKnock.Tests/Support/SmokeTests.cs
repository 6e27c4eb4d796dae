using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.SupportTests;

[TestFixture]
[Category("Root")]
public sealed class TestNetworkTests
{
    [Test]
    public void Namespaces_reach_each_other_over_veth_and_have_no_default_route()
    {
        Root.Require();
        using var net = new TestNetwork();
        Assert.That(net.Client.Run("ping", "-c", "1", "-W", "2", net.ServerAddress).ExitCode, Is.EqualTo(0));
        Assert.That(net.Client.Exec("ip", "route", "show", "default"), Is.Empty);
    }
}
