using System.Net;
using System.Text;

namespace KnockKnock.Tests.Network;

/// <summary>The one address type: the kernel's spelling, the canonical one, and what a host can be.</summary>
[TestFixture]
public sealed class HostAddressTests
{
    private static bool Kernel(string text, out HostAddress address) => HostAddress.TryParseKernel(Encoding.ASCII.GetBytes(text), out address);

    [TestCase("198.18.1.2")]
    [TestCase("0.0.0.0")]
    [TestCase("255.255.255.255")]
    [TestCase("10.0.200.1")]
    public void Kernel_dotted_quads_parse_and_format_back(string text)
    {
        Assert.That(Kernel(text, out var address), Is.True);
        Assert.That((address.IsIPv4, address.Length, address.ToString()), Is.EqualTo((true, 4, text)));
        Assert.That(address.ToIPAddress(), Is.EqualTo(IPAddress.Parse(text)));
    }

    [TestCase("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1")]
    [TestCase("0000:0000:0000:0000:0000:0000:0000:0000", "::")]
    [TestCase("fe80:0000:0000:0000:0a00:27ff:fe4e:66a1", "fe80::a00:27ff:fe4e:66a1")]
    [TestCase("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")]
    public void Kernel_IPv6_as_netfilter_prints_it_parses_and_formats_canonically(string kernel, string canonical)
    {
        Assert.That(Kernel(kernel, out var address), Is.True);
        Assert.That((address.IsIPv6, address.Length, address.ToString()), Is.EqualTo((true, 16, canonical)));
        Assert.That(HostAddress.TryParse(canonical, out var again), Is.True);
        Assert.That(again, Is.EqualTo(address));
    }

    [TestCase("")]
    [TestCase("1.2.3")]
    [TestCase("1.2.3.4.5")]
    [TestCase("01.2.3.4")]
    [TestCase("256.1.1.1")]
    [TestCase("1.2.3.4 ")]
    [TestCase("2001:db8::1")]
    [TestCase("2001:0DB8:0000:0000:0000:0000:0000:0001")]
    [TestCase("2001:0db8:0000:0000:0000:0000:0000:001")]
    [TestCase("2001:0db8:0000:0000:0000:0000:0000:00001")]
    [TestCase("2001-0db8-0000-0000-0000-0000-0000-0001")]
    [TestCase("2001:0db8:0000:0000:0000:0000:0000:000g")]
    public void Anything_else_in_a_kernel_line_is_refused(string text) => Assert.That(Kernel(text, out _), Is.False);

    [TestCase("1.2.3")]
    [TestCase("01.2.3.4")]
    [TestCase("1.2.3.4/32")]
    [TestCase("2001:DB8::1")]
    [TestCase("2001:db8:0:0::1")]
    [TestCase("2001:0db8::1")]
    [TestCase("fe80::1%2")]
    [TestCase("::ffff:1.2.3.04")]
    [TestCase("")]
    [TestCase(null)]
    public void Only_the_canonical_spelling_is_accepted(string? text) => Assert.That(HostAddress.TryParse(text, out _), Is.False);

    [TestCase("198.18.1.2", true)]
    [TestCase("192.0.2.255", true)]
    [TestCase("0.0.0.0", false)]
    [TestCase("0.1.2.3", false)]
    [TestCase("127.0.0.1", false)]
    [TestCase("224.0.0.1", false)]
    [TestCase("239.255.255.255", false)]
    [TestCase("240.0.0.1", false)]
    [TestCase("255.255.255.255", false)]
    [TestCase("2001:db8::1", true)]
    [TestCase("fe80::1", true)]
    [TestCase("::", false)]
    [TestCase("::1", false)]
    [TestCase("ff02::1", false)]
    [TestCase("::ffff:198.18.1.2", false)]
    public void Unicast_host_addresses_are_told_from_the_others(string text, bool unicast)
        => Assert.That(Support.Addresses.Of(text).IsUnicastHost, Is.EqualTo(unicast));

    [Test]
    public void Default_is_neither_family_and_never_a_host()
    {
        HostAddress none = default;
        Assert.That((none.IsIPv4, none.IsIPv6, none.IsUnicastHost), Is.EqualTo((false, false, false)));
    }
}
