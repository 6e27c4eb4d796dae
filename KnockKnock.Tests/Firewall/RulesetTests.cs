using KnockKnock.Crypto.Counters;
using KnockKnock.Crypto.Profiles;
using KnockKnock.Crypto.Protocol;
using KnockKnock.Daemon.Commands;
using KnockKnock.Daemon.Firewall;
using KnockKnock.Daemon.Firewall.Iptables;
using KnockKnock.Daemon.Firewall.Nft;
using KnockKnock.Daemon.Host;
using KnockKnock.Daemon.Log;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Firewall;

/// <summary>
/// The firewall set-up `knockknock-daemon rules` prints (and scripts/minimal-firewall.sh applies),
/// pinned word for word; pure, no root.
/// </summary>
[TestFixture]
public sealed class RulesetTests
{
    private const string Prefix = "knockknock: ";

    [Test]
    public void Iptables_commands_are_pinned()
    {
        const string ipt = "/usr/sbin/iptables";
        string[] Log(string port) =>
            [ipt, "-w", "-A", "KNOCKKNOCK-INPUT", "-p", "tcp", "--dport", port, "--syn", "-m", "hashlimit", "--hashlimit-mode", "srcip",
             "--hashlimit-upto", "10/sec", "--hashlimit-burst", "20", "--hashlimit-name", "knockknock",
             "-j", "LOG", "--log-prefix", Prefix, "--log-tcp-sequence"];
        string[] Drop(string port) => [ipt, "-w", "-A", "KNOCKKNOCK-INPUT", "-p", "tcp", "--dport", port, "-j", "DROP"];
        string[][] expected =
        [
            IptablesCommands.NewChain(),
            IptablesCommands.AcceptAdmitted(),
            [ipt, "-w", "-N", "KNOCKKNOCK-INPUT"],
            [ipt, "-w", "-F", "KNOCKKNOCK-INPUT"],
            [ipt, "-w", "-A", "KNOCKKNOCK-INPUT", "-m", "conntrack", "--ctstate", "INVALID", "-j", "DROP"],
            Log("7000"), Drop("7000"), Log("7001"), Drop("7001"),
            [ipt, "-w", "-I", "INPUT", "1", "-j", "KNOCKKNOCK-INPUT"],
            IptablesCommands.InsertJump(),
            [ipt, "-w", "-I", "INPUT", "1", "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT"],
            [ipt, "-w", "-I", "INPUT", "1", "-i", "lo", "-j", "ACCEPT"],
            [ipt, "-w", "-P", "INPUT", "DROP"],
        ];

        Assert.That(IptablesRuleset.Commands([7001, 7000, 7001], Prefix), Is.EqualTo(expected));
        Assert.That(IptablesCommands.AcceptAdmitted(), Is.EqualTo(new[] { ipt, "-w", "-A", "KNOCKKNOCK", "-m", "connmark", "--mark", "0x4b4b0001", "-j", "ACCEPT" }));
    }

    [Test]
    public void Iptables_policy_turns_to_drop_only_after_loopback_and_established_are_accepted()
    {
        var commands = IptablesRuleset.Commands([7000], Prefix).Select(c => string.Join(' ', c[1..])).ToList();
        var policy = commands.IndexOf("-w -P INPUT DROP");
        Assert.That(policy, Is.EqualTo(commands.Count - 1));
        Assert.That(commands.IndexOf("-w -I INPUT 1 -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT"), Is.InRange(0, policy - 1));
        Assert.That(commands.IndexOf("-w -I INPUT 1 -i lo -j ACCEPT"), Is.InRange(0, policy - 1));
        // Never flushed: the chains that are flushed hold no accept for established connections.
        Assert.That(commands.Where(c => c.StartsWith("-w -F ", StringComparison.Ordinal)), Is.EqualTo(new[] { "-w -F KNOCKKNOCK-INPUT" }));
    }

    [Test]
    public void Iptables_text_is_one_command_per_line_with_only_the_prefix_quoted()
    {
        var lines = IptablesRuleset.Text([7000], Prefix).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var commands = lines.Where(l => !l.StartsWith('#')).ToList();

        Assert.That(commands, Has.Count.EqualTo(IptablesRuleset.Commands([7000], Prefix).Count));
        Assert.That(commands, Has.All.StartWith("iptables -w "));
        Assert.That(commands, Does.Contain(
            "iptables -w -A KNOCKKNOCK-INPUT -p tcp --dport 7000 --syn -m hashlimit --hashlimit-mode srcip --hashlimit-upto 10/sec "
            + "--hashlimit-burst 20 --hashlimit-name knockknock -j LOG --log-prefix 'knockknock: ' --log-tcp-sequence"));
        Assert.That(commands.Count(l => l.Contains('\'', StringComparison.Ordinal)), Is.EqualTo(1));
        Assert.That(lines.Where(l => l.StartsWith('#')), Has.Some.Contains("your SSH session"));
    }

    [TestCase("")]
    [TestCase("it's")]
    [TestCase("say \"hi\"")]
    [TestCase("back\\slash")]
    [TestCase("tab\there")]
    [TestCase("thirty-characters-long-prefix:")]
    public void Iptables_refuses_a_prefix_it_cannot_print_or_log(string prefix)
        => Assert.That(() => IptablesRuleset.Commands([7000], prefix), Throws.ArgumentException);

    [Test]
    public void Iptables_refuses_no_ports_and_port_0()
    {
        Assert.That(() => IptablesRuleset.Commands([], Prefix), Throws.ArgumentException);
        Assert.That(() => IptablesRuleset.Commands([0], Prefix), Throws.ArgumentException);
    }

    [Test]
    public void Quote_leaves_plain_words_bare_and_single_quotes_the_rest()
    {
        Assert.That(IptablesRuleset.Quote("ESTABLISHED,RELATED"), Is.EqualTo("ESTABLISHED,RELATED"));
        Assert.That(IptablesRuleset.Quote("0x4b4b0001/0xffffffff"), Is.EqualTo("0x4b4b0001/0xffffffff"));
        Assert.That(IptablesRuleset.Quote("knock knock $(id) `x` ;|&"), Is.EqualTo("'knock knock $(id) `x` ;|&'"));
        Assert.That(IptablesRuleset.Quote(""), Is.EqualTo("''"));
        Assert.That(() => IptablesRuleset.Quote("a'b"), Throws.ArgumentException);
    }

    [Test]
    public void Nft_rate_limits_knock_logs_per_source_address_before_logging_and_drops_every_knock()
    {
        var text = NftRuleset.Text([7001, 7000], Prefix);
        const string limit = "meta nfproto ipv4 tcp dport { 7000, 7001 } tcp flags & (fin|syn|rst|ack) == syn "
            + "update @knock_rate { ip saddr limit rate over 10/second burst 20 packets } drop\n";
        const string log = "meta nfproto ipv4 tcp dport { 7000, 7001 } tcp flags & (fin|syn|rst|ack) == syn "
            + "log prefix \"knockknock: \" flags tcp sequence drop\n";

        Assert.That(text, Does.Contain("set knock_rate {\n        type ipv4_addr\n        size 65536\n        flags dynamic, timeout\n        timeout 1m\n    }"));
        Assert.That(text, Does.Contain(limit).And.Contain(log));
        Assert.That(text.IndexOf(limit, StringComparison.Ordinal), Is.LessThan(text.IndexOf(log, StringComparison.Ordinal)));
        Assert.That(text.IndexOf("ct state established,related accept", StringComparison.Ordinal), Is.LessThan(text.IndexOf(limit, StringComparison.Ordinal)));
        Assert.That(NftLogRules.LoggedPorts(text, Prefix), Is.EquivalentTo(new ushort[] { 7000, 7001 }), "the daemon's own check recognises the rule");
    }

    [Test]
    public void Rules_command_prints_a_header_naming_the_backend_then_the_ruleset()
    {
        using var dir = new TempDirectory();
        GenProfile(dir, "beta", "7001");
        GenProfile(dir, "alpha", "7000");

        var (nftCode, nft, _) = Rules("--firewall", "nft", "--config-dir", dir.Path);
        var (iptCode, ipt, _) = Rules("--firewall", "iptables", "--config-dir", dir.Path);

        Assert.That(nftCode, Is.EqualTo(ExitCodes.Ok));
        Assert.That(nft, Is.EqualTo("# knockknock-daemon rules --firewall nft\n" + NftRuleset.Text([7000, 7001], Prefix)));
        Assert.That(iptCode, Is.EqualTo(ExitCodes.Ok));
        Assert.That(ipt, Is.EqualTo("# knockknock-daemon rules --firewall iptables\n" + IptablesRuleset.Text([7000, 7001], Prefix)));
    }

    [Test]
    public void Rules_command_uses_the_configured_log_prefix_and_backend()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.Combine("config"), "[main]\nlog_prefix = \"kk-test: \"\nfirewall = iptables\n");
        GenProfile(dir, "alpha", "7000");

        var (code, output, _) = Rules("--config-dir", dir.Path);

        Assert.That(code, Is.EqualTo(ExitCodes.Ok));
        Assert.That(output, Is.EqualTo("# knockknock-daemon rules --firewall iptables\n" + IptablesRuleset.Text([7000], "kk-test: ")));
    }

    [Test]
    public void Rules_command_without_profiles_exits_2_with_one_line()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.Combine("profiles"));

        var (code, output, error) = Rules("--firewall", "nft", "--config-dir", dir.Path);

        Assert.That(code, Is.EqualTo(ExitCodes.Usage));
        Assert.That(output, Is.Empty);
        Assert.That(error, Does.StartWith("knockknock-daemon: no profiles in ").And.EndWith("\n"));
        Assert.That(error.TrimEnd('\n').Split('\n'), Has.Length.EqualTo(1));
    }

    [Test]
    public void Rules_command_refuses_an_unknown_backend_with_exit_2()
        => Assert.That(Rules("--firewall", "pf").Code, Is.EqualTo(ExitCodes.Usage));

    private static (int Code, string Output, string Error) Rules(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = DaemonCommand.Run(["rules", .. args], output, error);
        return (code, output.ToString(), error.ToString());
    }

    private static void GenProfile(TempDirectory dir, string name, string port)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        Assert.That(GenProfileCommand.Run([name, port, "--config-dir", dir.Path], output, error), Is.EqualTo(ExitCodes.Ok), error.ToString());
    }
}
