extern alias client;

using System.Net;
using System.Net.Sockets;
using client::KnockKnock.Client.Socks;

namespace KnockKnock.Tests.Client;

/// <summary><c>socks --direct</c>'s plain connections: never to this host's own local services.</summary>
[TestFixture]
public sealed class DirectConnectionTests
{
    [Test]
    public void A_socks_client_cannot_reach_a_loopback_service_through_a_name_that_resolves_to_loopback()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = (ushort)((IPEndPoint)listener.LocalEndpoint).Port;

        var connected = DirectConnection.TryConnect("localhost", port, out var connection, out var failure);
        connection?.Dispose();

        Assert.That(connected, Is.False, "localhost names 127.0.0.1, where a service listens");
        Assert.That(failure.Message, Is.EqualTo("localhost resolves to no unicast host address (loopback and local addresses are not relayed)"));
    }
}
