extern alias client;

using client::KnockKnock.Client.Socks;

namespace KnockKnock.Tests.Client;

/// <summary>
/// The SOCKS5 subset the proxy speaks (RFC 1928: no authentication, CONNECT, IPv4, IPv6 and domain
/// names), and every malformed greeting and request shape, each with the reply the RFC names. Every
/// prefix of a good message is incomplete, never malformed; a bad byte decides as soon as it arrives.
/// </summary>
[TestFixture]
public sealed class SocksParserTests
{
    [Test]
    public void A_greeting_offering_no_authentication_is_accepted_and_its_length_known()
    {
        Assert.That(SocksGreeting.TryParse([5, 2, 2, 0, 0xAA], out var length, out var acceptable), Is.EqualTo(SocksParse.Complete));
        Assert.That((length, acceptable), Is.EqualTo((4, true)), "the byte after the greeting is the request's");
        Assert.That(SocksGreeting.Reply(acceptable), Is.EqualTo(new byte[] { 5, 0 }));
    }

    [Test]
    public void A_greeting_without_the_no_authentication_method_gets_no_acceptable_methods()
    {
        Assert.That(SocksGreeting.TryParse([5, 2, 1, 2], out _, out var acceptable), Is.EqualTo(SocksParse.Complete));
        Assert.That(acceptable, Is.False);
        Assert.That(SocksGreeting.Reply(acceptable), Is.EqualTo(new byte[] { 5, 0xFF }));
    }

    [TestCase(new byte[] { 4, 1, 0, 80, 192, 0, 2, 1, 0 }, TestName = "A SOCKS4 request")]
    [TestCase(new byte[] { 0 }, TestName = "Version 0")]
    [TestCase(new byte[] { 5, 0 }, TestName = "No methods")]
    [TestCase(new byte[] { 0x47, 0x45, 0x54, 0x20 }, TestName = "An HTTP request")]
    public void Malformed_greetings_are_decided_at_once(byte[] greeting)
        => Assert.That(SocksGreeting.TryParse(greeting, out _, out _), Is.EqualTo(SocksParse.Malformed));

    [Test]
    public void Every_prefix_of_a_greeting_is_incomplete()
    {
        byte[] greeting = [5, 3, 2, 1, 0];
        for (var n = 0; n < greeting.Length; n++)
        {
            Assert.That(SocksGreeting.TryParse(greeting.AsSpan(0, n), out _, out _), Is.EqualTo(SocksParse.Incomplete), $"{n} bytes");
        }
    }

    [Test]
    public void An_IPv4_request_names_its_profile_by_the_address()
    {
        var request = Parse([5, 1, 0, 1, 198, 51, 100, 7, 0, 22, 0xEE]);
        Assert.That(request, Is.EqualTo(new SocksRequest("198.51.100.7", HostAddress.FromBytes([198, 51, 100, 7]), 22)));
    }

    [Test]
    public void An_IPv6_request_names_its_profile_by_the_canonical_text()
    {
        byte[] address = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7];
        var request = Parse([5, 1, 0, 4, .. address, 0x01, 0xBB]);
        Assert.That((request.Host, request.Port, request.Address), Is.EqualTo(("2001:db8::7", (ushort)443, (HostAddress?)HostAddress.FromBytes(address))));
    }

    [Test]
    public void A_domain_request_keeps_the_name_as_given()
    {
        Assert.That(Parse(DomainRequest("Knock-srv_1.example.")), Is.EqualTo(new SocksRequest("Knock-srv_1.example.", null, 22)));
    }

    [Test]
    public void A_domain_that_is_an_address_is_read_as_one()
    {
        Assert.That(Parse(DomainRequest("192.0.2.200")).Address, Is.EqualTo(HostAddress.FromBytes([192, 0, 2, 200])));
        var ipv6 = Parse(DomainRequest("2001:DB8:0:0:0:0:0:7"));
        Assert.That(ipv6.Host, Is.EqualTo("2001:db8::7"), "an IPv6 address is named by its canonical text");
    }

    [Test]
    public void Every_prefix_of_a_request_is_incomplete()
    {
        byte[] request = [5, 1, 0, 3, 4, .. "host"u8, 0, 22];
        for (var n = 0; n < request.Length; n++)
        {
            Assert.That(SocksRequest.TryParse(request.AsSpan(0, n), out _, out _, out _), Is.EqualTo(SocksParse.Incomplete), $"{n} bytes");
        }
    }

    [TestCase(new byte[] { 4 }, 0x01, TestName = "Version 4")]
    [TestCase(new byte[] { 5, 2 }, 0x07, TestName = "BIND")]
    [TestCase(new byte[] { 5, 3, 0, 1 }, 0x07, TestName = "UDP ASSOCIATE")]
    [TestCase(new byte[] { 5, 0 }, 0x07, TestName = "Command 0")]
    [TestCase(new byte[] { 5, 0xF0 }, 0x07, TestName = "Command F0 (a Tor extension)")]
    [TestCase(new byte[] { 5, 1, 1 }, 0x01, TestName = "Reserved byte not 0")]
    [TestCase(new byte[] { 5, 1, 0, 0 }, 0x08, TestName = "Address type 0")]
    [TestCase(new byte[] { 5, 1, 0, 2 }, 0x08, TestName = "Address type 2")]
    [TestCase(new byte[] { 5, 1, 0, 5 }, 0x08, TestName = "Address type 5")]
    [TestCase(new byte[] { 5, 1, 0, 0xFF }, 0x08, TestName = "Address type FF")]
    [TestCase(new byte[] { 5, 1, 0, 3, 0, 0, 22 }, 0x01, TestName = "Empty name")]
    [TestCase(new byte[] { 5, 1, 0, 1, 192, 0, 2, 1, 0, 0 }, 0x01, TestName = "Port 0")]
    [TestCase(new byte[] { 5, 1, 0, 3, 4, (byte)'h', (byte)'o', (byte)'s', (byte)'t', 0, 0 }, 0x01, TestName = "Name with port 0")]
    public void Malformed_requests_get_the_RFC_reply_as_soon_as_the_bad_byte_arrived(byte[] request, int expected)
    {
        Assert.That(SocksRequest.TryParse(request, out var parsed, out _, out var refusal), Is.EqualTo(SocksParse.Malformed));
        Assert.That((parsed, (int)refusal), Is.EqualTo(((SocksRequest?)null, expected)), "RFC 1928 REP: 01 general failure, 07 command not supported, 08 address type not supported");
    }

    [TestCase("../../etc", TestName = "Name climbing out of the profile directory")]
    [TestCase("a/b", TestName = "Name with a slash")]
    [TestCase(".", TestName = "Name dot")]
    [TestCase("..", TestName = "Name dot dot")]
    [TestCase(".hidden", TestName = "Name with a leading dot")]
    [TestCase("-v", TestName = "Name like an option")]
    [TestCase("a b", TestName = "Name with a space")]
    [TestCase("a\0b", TestName = "Name with a NUL")]
    [TestCase("a\nb", TestName = "Name with a newline")]
    [TestCase("café", TestName = "Name not in ASCII")]
    [TestCase("host:22", TestName = "Name with a colon, not an address")]
    [TestCase("fe80::1%eth0", TestName = "Address with a zone")]
    public void Names_that_are_not_host_names_are_malformed(string name)
    {
        Assert.That(SocksRequest.TryParse(DomainRequest(name), out _, out _, out var refusal), Is.EqualTo(SocksParse.Malformed));
        Assert.That(refusal, Is.EqualTo(SocksReplyCode.GeneralFailure));
    }

    [Test]
    public void Replies_carry_the_bound_address_of_its_family_or_zeros()
    {
        Assert.That(SocksReply.Create(SocksReplyCode.NotAllowedByRuleset), Is.EqualTo(new byte[] { 5, 2, 0, 1, 0, 0, 0, 0, 0, 0 }));
        Assert.That(SocksReply.Create(SocksReplyCode.Succeeded, HostAddress.FromBytes([198, 18, 1, 2]), 40000), Is.EqualTo(new byte[] { 5, 0, 0, 1, 198, 18, 1, 2, 0x9C, 0x40 }));
        byte[] ipv6 = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];
        Assert.That(SocksReply.Create(SocksReplyCode.Succeeded, HostAddress.FromBytes(ipv6), 1), Is.EqualTo((byte[])[5, 0, 0, 4, .. ipv6, 0, 1]));
    }

    [Test]
    public void Random_bytes_never_throw_and_never_make_a_request_that_the_bytes_do_not_hold()
    {
        var random = new Random(1928);
        for (var i = 0; i < 100_000; i++)
        {
            var bytes = new byte[random.Next(0, 40)];
            random.NextBytes(bytes);
            if (random.Next(2) == 0 && bytes.Length > 4)
            {
                (bytes[0], bytes[1], bytes[2]) = (5, 1, 0);
                bytes[3] = (byte)random.Next(0, 5);
            }
            _ = SocksGreeting.TryParse(bytes, out var greetingLength, out _);
            Assert.That(greetingLength, Is.InRange(0, bytes.Length));
            if (SocksRequest.TryParse(bytes, out var request, out var length, out _) == SocksParse.Complete)
            {
                Assert.That(length, Is.InRange(8, bytes.Length), "the shortest request: a one-letter name");
                Assert.That(request!.Port, Is.Not.Zero);
            }
        }
    }

    /// <summary>A CONNECT request for port 22 of a domain name (UTF-8, so that non-ASCII names can be tried).</summary>
    private static byte[] DomainRequest(string name)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(name);
        return [5, 1, 0, 3, (byte)bytes.Length, .. bytes, 0, 22];
    }

    private static SocksRequest Parse(byte[] bytes)
    {
        Assert.That(SocksRequest.TryParse(bytes, out var request, out var length, out _), Is.EqualTo(SocksParse.Complete));
        Assert.That(length, Is.LessThanOrEqualTo(bytes.Length));
        return request!;
    }
}
