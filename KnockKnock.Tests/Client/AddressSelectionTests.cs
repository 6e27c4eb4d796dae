using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Client;

/// <summary>
/// The client knocks the address a following connection to HOST would use (the bug users hit with
/// other knockers: the knock goes over IPv4, ssh over IPv6, nothing opens). HOST is a name with an
/// IPv4 and an IPv6 address in the client namespace's own /etc/hosts (ip netns exec mounts
/// /etc/netns/NAME/hosts over it); the client's -v output names the address it knocked.
/// </summary>
[TestFixture]
[Category("Root")]
[NonParallelizable]
public sealed class AddressSelectionTests
{
    private const string Name = "knock-target.test";

    private TempDirectory _home = null!;
    private TestNetwork _net = null!;
    private string _hostsDirectory = null!;

    [SetUp]
    public void SetUp()
    {
        Root.Require();
        _home = new TempDirectory();
        _net = new TestNetwork();
        _hostsDirectory = Path.Combine("/etc/netns", _net.Client.Name);
    }

    [TearDown]
    public void TearDown()
    {
        if (_hostsDirectory is not null && Directory.Exists(_hostsDirectory))
        {
            Directory.Delete(_hostsDirectory, recursive: true);
        }
        _net?.Dispose();
        _home?.Dispose();
    }

    [Test]
    public void By_default_the_knock_goes_to_the_address_a_connection_would_use_and_minus_4_or_6_picks_a_family()
    {
        Hosts(_net.ServerAddress, _net.ServerAddress6);
        var profile = ClientProfile.Create(_home.Path, Name, 7100, protocol: 2);

        var first = FirstAddressAConnectionTries();
        Assert.That(Knocked(profile), Is.EqualTo(first), "the default is the resolver's first choice");
        Assert.That(first, Is.EqualTo(_net.ServerAddress6), "RFC 6724 puts the routable IPv6 address first");
        Assert.That(Knocked(profile, "-4"), Is.EqualTo(_net.ServerAddress));
        Assert.That(Knocked(profile, "-6"), Is.EqualTo(_net.ServerAddress6));
    }

    [Test]
    public void An_address_without_a_route_is_passed_over_as_a_connection_would_pass_it_over()
    {
        Hosts(_net.ServerAddress, "2001:db8:ffff::1");
        var profile = ClientProfile.Create(_home.Path, Name, 7101, protocol: 2);

        Assert.That(Knocked(profile), Is.EqualTo(_net.ServerAddress));
        var result = _net.Client.Run(ClientBinary.Path, "-p", "22", Name, "--profile-dir", profile, "--dry-run", "-6");
        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Failure), result.ToString());
        Assert.That(result.StdErr, Does.StartWith($"knockknock: cannot reach {Name} (2001:db8:ffff::1): "));
    }

    [Test]
    public void A_protocol_1_profile_knocks_over_IPv4_and_refuses_minus_6()
    {
        Hosts(_net.ServerAddress, _net.ServerAddress6);
        var profile = ClientProfile.Create(_home.Path, Name, 7102, protocol: 1);

        Assert.That(Knocked(profile), Is.EqualTo(_net.ServerAddress));
        var result = _net.Client.Run(ClientBinary.Path, "-p", "22", Name, "--profile-dir", profile, "--dry-run", "-6");
        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Usage), result.ToString());
        Assert.That(result.StdErr, Does.Contain("a protocol 1 profile knocks over IPv4 only"));
    }

    private void Hosts(params string[] addresses)
    {
        Directory.CreateDirectory(_hostsDirectory);
        File.WriteAllLines(Path.Combine(_hostsDirectory, "hosts"), addresses.Select(a => $"{a} {Name}"));
    }

    /// <summary>The first address getaddrinfo gives a TCP client for the name, in the client namespace (what ssh tries first).</summary>
    private string FirstAddressAConnectionTries()
        => _net.Client.Exec("getent", "ahosts", Name).Split('\n')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];

    private string Knocked(string profile, params string[] extra)
    {
        var result = _net.Client.Run(ClientBinary.Path, ["-p", "22", Name, "--profile-dir", profile, "--dry-run", "-v", .. extra]);
        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Ok), result.ToString());
        return Knock.Parse(result.StdOut).Destination;
    }
}
