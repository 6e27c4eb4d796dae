extern alias client;

using System.Text.RegularExpressions;
using client::KnockKnock.Client;
using KnockKnock.Crypto.Counters;
using KnockKnock.Crypto.Profiles;
using KnockKnock.Crypto.Protocol;

using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Client;

[TestFixture]
public sealed partial class CommandLineTests
{
    private DirectoryInfo _home = null!;

    [SetUp]
    public void MakeHome() => _home = Directory.CreateTempSubdirectory("kk-client-cli-");

    [TearDown]
    public void RemoveHome() => _home.Delete(recursive: true);

    [TestCase("", TestName = "No arguments")]
    [TestCase("192.0.2.1", TestName = "No port")]
    [TestCase("-p 22", TestName = "No host")]
    [TestCase("-p 0 192.0.2.1", TestName = "Port 0")]
    [TestCase("-p 65536 192.0.2.1", TestName = "Port 65536")]
    [TestCase("-p -1 192.0.2.1", TestName = "Negative port")]
    [TestCase("-p ssh 192.0.2.1", TestName = "Port name")]
    [TestCase("-p 22 192.0.2.1 extra", TestName = "Two hosts")]
    [TestCase("-p 22 --frobnicate 192.0.2.1", TestName = "Unknown option")]
    [TestCase("-p 22 --source-ip 224.0.0.1 192.0.2.1", TestName = "Multicast source")]
    [TestCase("-p 22 -4 -6 192.0.2.1", TestName = "Both families")]
    [TestCase("-p 22 --source-ip not-an-address 192.0.2.1", TestName = "Bad source")]
    [TestCase("[suggest] -p 22 192.0.2.1", TestName = "A directive")]
    public void Usage_errors_print_one_line_and_exit_2_without_help(string commandLine)
    {
        var (exitCode, output, error) = Run(commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries));

        Assert.That(exitCode, Is.EqualTo(ExitCodes.Usage));
        Assert.That(output, Is.Empty, "no help text");
        Assert.That(error, Does.StartWith("knockknock: "));
        Assert.That(error.TrimEnd('\n').Split('\n'), Has.Length.EqualTo(1), error);
    }

    [Test]
    public void Help_mentions_that_a_dry_run_knock_is_a_valid_credential()
    {
        var (exitCode, output, _) = Run(["--help"]);
        Assert.That(exitCode, Is.EqualTo(ExitCodes.Ok));
        var words = string.Join(' ', output.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        Assert.That(words, Does.Contain("--dry-run").And.Contain("valid knock"));
    }

    [Test]
    public void A_missing_profile_is_a_usage_error_that_lists_the_existing_ones()
    {
        ClientProfile.Create(_home.FullName, "alpha.example", 7001);
        ClientProfile.Create(_home.FullName, "beta.example", 7002);

        var (exitCode, _, error) = Run(["-p", "22", "127.0.0.1", "--profile-dir", Path.Combine(_home.FullName, "127.0.0.1")]);

        Assert.That(exitCode, Is.EqualTo(ExitCodes.Usage));
        Assert.That(error, Does.StartWith("knockknock: no such profile").And.Contain("alpha.example, beta.example"));
    }

    [Test]
    public void Dry_run_prints_fields_that_open_to_the_port_and_uses_up_its_counter()
    {
        var profile = ClientProfile.Create(_home.FullName, "127.0.0.1", 7003);

        var first = DryRun(profile, "127.0.0.1", 22);
        var second = DryRun(profile, "127.0.0.1", 22);

        Assert.That(second.Counter, Is.GreaterThan(first.Counter), "a dry run consumes its counter");
        Assert.That(second.Fields, Is.Not.EqualTo(first.Fields));
        using var loaded = Profile.Load(profile);
        using var cipher = loaded.CreateCipher();
        Assert.That(cipher.TryOpen(second.Fields, second.Counter, 1, 7003, default, out var counter, out var port), Is.True);
        Assert.That((counter, port), Is.EqualTo((second.Counter, (ushort)22)));
    }

    [Test]
    public void With_bind_source_the_MAC_covers_the_source_ip_given_not_the_local_one()
    {
        var profile = ClientProfile.Create(_home.FullName, "127.0.0.1", 7004, bindSource: true);
        var Public = Addresses.Of("203.0.113.7");
        var Local = Addresses.Of("127.0.0.1");

        var knock = DryRun(profile, "127.0.0.1", 443, "--source-ip", "203.0.113.7");

        Assert.That(knock.Source, Is.EqualTo("127.0.0.1"), "the IP header carries the local address");
        using var loaded = Profile.Load(profile);
        using var cipher = loaded.CreateCipher();
        Assert.That(cipher.TryOpen(knock.Fields, knock.Counter, 1, 7004, Public, out _, out var port), Is.True);
        Assert.That(port, Is.EqualTo(443));
        Assert.That(cipher.TryOpen(knock.Fields, knock.Counter, 1, 7004, Local, out _, out _), Is.False);
    }

    [Test]
    public void With_bind_source_the_MAC_covers_the_route_source_by_default()
    {
        var profile = ClientProfile.Create(_home.FullName, "127.0.0.1", 7005, bindSource: true);

        var knock = DryRun(profile, "127.0.0.1", 22);

        using var loaded = Profile.Load(profile);
        using var cipher = loaded.CreateCipher();
        Assert.That(cipher.TryOpen(knock.Fields, knock.Counter, 1, 7005, Addresses.Of("127.0.0.1"), out _, out _), Is.True);
    }

    [Test]
    public void An_unresolvable_host_is_a_runtime_failure_and_uses_no_counter()
    {
        var profile = ClientProfile.Create(_home.FullName, "no-such-host.invalid", 7006);
        var before = ClientProfile.Snapshot(profile);

        var (exitCode, _, error) = Run(["-p", "22", "no-such-host.invalid", "--profile-dir", profile, "--dry-run"]);

        Assert.That(exitCode, Is.EqualTo(ExitCodes.Failure));
        Assert.That(error, Does.StartWith("knockknock: cannot resolve no-such-host.invalid"));
        Assert.That(ClientProfile.Snapshot(profile), Is.EqualTo(before));
    }

    internal static (int ExitCode, string Output, string Error) Run(string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = client::KnockKnock.Client.Program.Run(args, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    private static Knock DryRun(string profile, string host, ushort port, params string[] extra)
    {
        var (exitCode, output, error) = Run(["-p", port.ToString(), host, "--profile-dir", profile, "--dry-run", "-v", .. extra]);
        Assert.That(exitCode, Is.EqualTo(ExitCodes.Ok), error);
        return Knock.Parse(output);
    }
}

/// <summary>
/// The values the client prints with <c>-v</c>: the fields (<c>ID= SEQ= ACK= WINDOW=</c> for v1;
/// <c>ID=</c> or <c>FLOWLBL=</c>, <c>SEQ= TSVAL=</c> for v2) and <c>SRC= DST= SPT= COUNTER=</c>.
/// </summary>
internal sealed partial record Knock(string FieldsLine, string Source, string Destination, ushort SourcePort, ulong Counter)
{
    /// <summary>The v1 fields; fails for a v2 knock.</summary>
    public KnockFields Fields
    {
        get
        {
            var match = FieldsV1().Match(FieldsLine);
            return match.Success
                ? new KnockFields(ushort.Parse(match.Groups[1].Value), uint.Parse(match.Groups[2].Value), uint.Parse(match.Groups[3].Value), ushort.Parse(match.Groups[4].Value))
                : throw new AssertionException($"not a v1 knock: {FieldsLine}");
        }
    }

    /// <summary>The v2 fields; fails for a v1 knock.</summary>
    public KnockFieldsV2 FieldsV2
    {
        get
        {
            var match = FieldsV2Line().Match(FieldsLine);
            return match.Success
                ? new KnockFieldsV2(uint.Parse(match.Groups[2].Value), uint.Parse(match.Groups[3].Value), uint.Parse(match.Groups[4].Value))
                : throw new AssertionException($"not a v2 knock: {FieldsLine}");
        }
    }

    public static Knock Parse(string output)
    {
        var fields = AnyFieldsLine().Match(output);
        var detail = DetailLine().Match(output);
        if (!fields.Success || !detail.Success)
        {
            throw new FormatException($"no -v lines in: {output}");
        }
        return new Knock(fields.Value, detail.Groups[1].Value, detail.Groups[2].Value, ushort.Parse(detail.Groups[3].Value), ulong.Parse(detail.Groups[4].Value));
    }

    [GeneratedRegex(@"^ID=(\d+) SEQ=(\d+) ACK=(\d+) WINDOW=(\d+)$")]
    private static partial Regex FieldsV1();

    [GeneratedRegex(@"^(ID|FLOWLBL)=(\d+) SEQ=(\d+) TSVAL=(\d+)$")]
    private static partial Regex FieldsV2Line();

    [GeneratedRegex(@"^(ID|FLOWLBL)=\d+ SEQ=\d+ (ACK=\d+ WINDOW|TSVAL)=\d+$", RegexOptions.Multiline)]
    private static partial Regex AnyFieldsLine();

    [GeneratedRegex(@"^SRC=([\da-f.:]+) DST=([\da-f.:]+) SPT=(\d+) COUNTER=(\d+)$", RegexOptions.Multiline)]
    private static partial Regex DetailLine();
}
