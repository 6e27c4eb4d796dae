extern alias client;

using client::KnockKnock.Client;
using client::KnockKnock.Client.Connect;
using client::KnockKnock.Client.Socks;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Client;

/// <summary>
/// The command lines of <c>knockknock connect</c> and <c>knockknock socks</c>: usage errors are one
/// line and exit 2 (parsed in process: the actions, which open raw sockets and execute the client
/// again, never run here), the listen address, the retry schedule and the capability check.
/// </summary>
[TestFixture]
public sealed class ConnectCommandLineTests
{
    [TestCase("connect", TestName = "connect without host")]
    [TestCase("connect 192.0.2.1", TestName = "connect without port")]
    [TestCase("connect 192.0.2.1 0", TestName = "connect to port 0")]
    [TestCase("connect 192.0.2.1 ssh", TestName = "connect to a port name")]
    [TestCase("connect 192.0.2.1 22 extra", TestName = "connect with an extra argument")]
    [TestCase("connect 192.0.2.1 22 --knocks 0", TestName = "connect with no knock")]
    [TestCase("connect 192.0.2.1 22 --knocks 11", TestName = "connect with more knocks than the counter window allows")]
    [TestCase("connect 192.0.2.1 22 --wait 99", TestName = "connect with a wait shorter than 100 ms")]
    [TestCase("connect 192.0.2.1 22 --wait 10001", TestName = "connect with a wait longer than 10 s")]
    [TestCase("connect 192.0.2.1 22 --wait 1s", TestName = "connect with a wait in other units")]
    [TestCase("connect 192.0.2.1 22 -4 -6", TestName = "connect with both families")]
    [TestCase("connect 192.0.2.1 22 -p 22", TestName = "connect with the knock's port option")]
    [TestCase("socks --listen 127.0.0.1", TestName = "socks listening without a port")]
    [TestCase("socks --listen ::1:1080", TestName = "socks listening on an IPv6 address without brackets")]
    [TestCase("socks --listen localhost:1080", TestName = "socks listening on a name")]
    [TestCase("socks --listen 127.0.0.1:65536", TestName = "socks listening on port 65536")]
    [TestCase("socks extra", TestName = "socks with an argument")]
    public void Usage_errors_print_one_line_and_exit_2(string commandLine)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = Program.Run(commandLine.Split(' '), output, error);
        Assert.That(exitCode, Is.EqualTo(ExitCodes.Usage), error.ToString());
        Assert.That(output.ToString(), Is.Empty);
        Assert.That(error.ToString(), Does.StartWith("knockknock: "));
        Assert.That(error.ToString().TrimEnd('\n').Split('\n'), Has.Length.EqualTo(1), error.ToString());
    }

    [TestCase("0.0.0.0:1080")]
    [TestCase("198.18.0.1:1080")]
    [TestCase("[::]:1080")]
    public void A_listen_address_that_is_not_loopback_is_refused_without_allow_remote(string listen)
    {
        // The real binary: refused before it opens anything, with exit 2 and one line.
        var result = Command.Run(Binaries.Client, ["socks", "--listen", listen], closeInput: true);
        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Usage), result.ToString());
        Assert.That(result.StdErr.TrimEnd('\n'), Is.EqualTo($"knockknock: --listen {listen} is not a loopback address: add --allow-remote if anyone who can reach it may knock with your profiles"));
    }

    [TestCase("127.0.0.1:1080", "127.0.0.1", 1080)]
    [TestCase("127.0.0.2:0", "127.0.0.2", 0)]
    [TestCase("[::1]:1080", "::1", 1080)]
    [TestCase("[2001:db8::1]:8080", "2001:db8::1", 8080)]
    public void Listen_addresses_parse(string text, string address, int port)
    {
        Assert.That(ListenAddress.TryParse(text, out var listen), Is.True);
        Assert.That((listen.Address.ToString(), (int)listen.Port), Is.EqualTo((address, port)));
        Assert.That(listen.ToString(), Is.EqualTo(text));
    }

    [TestCase("127.0.0.1", true)]
    [TestCase("127.1.2.3", true)]
    [TestCase("::1", true)]
    [TestCase("::2", false)]
    [TestCase("0.0.0.0", false)]
    [TestCase("192.0.2.1", false)]
    public void Loopback_is_127_slash_8_and_colon_colon_1(string address, bool loopback)
    {
        var text = address.Contains(':', StringComparison.Ordinal) ? $"[{address}]:1" : $"{address}:1";
        Assert.That(ListenAddress.TryParse(text, out var listen), Is.True);
        Assert.That(listen.IsLoopback, Is.EqualTo(loopback));
    }

    [Test]
    public void Connection_attempts_come_every_5_ms_for_100_ms_then_every_25_ms_then_every_250_ms()
    {
        var times = KnockConnector.AttemptTimes(TimeSpan.FromSeconds(2)).Select(t => t.TotalMilliseconds).ToList();
        Assert.That(times.Take(20), Is.EqualTo(Enumerable.Range(1, 20).Select(i => 5.0 * i)));
        Assert.That(times.Skip(20).Take(16), Is.EqualTo(Enumerable.Range(1, 16).Select(i => 100 + 25.0 * i)));
        Assert.That(times.Skip(36), Is.EqualTo(new[] { 750.0, 1000, 1250, 1500, 1750 }));
        Assert.That(KnockConnector.AttemptTimes(TimeSpan.FromMilliseconds(100)).Last().TotalMilliseconds, Is.EqualTo(95));
    }

    [Test]
    public void Each_knock_waits_twice_as_long_as_the_one_before_at_most_eight_times_the_first()
    {
        var policy = new RetryPolicy(6, TimeSpan.FromMilliseconds(1000));
        Assert.That(Enumerable.Range(1, 6).Select(n => policy.WaitAfter(n).TotalSeconds), Is.EqualTo(new[] { 1.0, 2, 4, 8, 8, 8 }));
        Assert.That(policy.Total, Is.EqualTo(TimeSpan.FromSeconds(31)));
        Assert.That(new RetryPolicy(RetryPolicy.DefaultKnocks, TimeSpan.FromMilliseconds(RetryPolicy.DefaultWaitMilliseconds)).Total, Is.EqualTo(TimeSpan.FromSeconds(7)));
    }

    [Test]
    public void The_hidden_unprivileged_mode_run_by_hand_refuses_and_opens_nothing()
    {
        // Run by a process with capabilities (root's test runner), or without a channel.
        foreach (var descriptor in new[] { "7", "0", "x", "3,4", "" })
        {
            var result = Command.Run(Binaries.Client, [RawSockets.ChildArgument, descriptor, "connect", "192.0.2.1", "22"], closeInput: true);
            Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Usage), result.ToString());
            Assert.That(result.StdErr.TrimEnd('\n'), Is.EqualTo($"knockknock: {RawSockets.ChildArgument} is for the client's own use"));
        }
    }
}
