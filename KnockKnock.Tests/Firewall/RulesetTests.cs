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
    public void Iptables_commands_are_pinned_for_both_families()
    {
        string[][] Family(IptablesFamily family)
        {
            var tool = family.Tool;
            var v6 = family == IptablesFamily.IPv6;
            string[] Log(string port) =>
                [tool, "-w", "-A", "KNOCKKNOCK-INPUT", "-p", "tcp", "--dport", port, "--syn", "-m", "hashlimit", "--hashlimit-mode", "srcip",
                 .. v6 ? (string[])["--hashlimit-srcmask", "64"] : [],
                 "--hashlimit-upto", "10/sec", "--hashlimit-burst", "20", "--hashlimit-name", v6 ? "knockknock6" : "knockknock",
                 "-j", "LOG", "--log-prefix", Prefix, "--log-tcp-sequence", "--log-tcp-options"];
            string[] Drop(string port) => [tool, "-w", "-A", "KNOCKKNOCK-INPUT", "-p", "tcp", "--dport", port, "-j", "DROP"];
            string[][] icmpv6 = v6
                ? [.. new[] { "destination-unreachable", "packet-too-big", "time-exceeded", "parameter-problem", "router-advertisement", "neighbour-solicitation", "neighbour-advertisement", "130" }
                    .Select(type => (string[])[tool, "-w", "-A", "KNOCKKNOCK-INPUT", "-p", "ipv6-icmp", "--icmpv6-type", type, "-j", "ACCEPT"])]
                : [];
            return
            [
                IptablesCommands.NewChain(family),
                IptablesCommands.FlushChain(family),
                .. IptablesCommands.AppendChainRules(family),
                [tool, "-w", "-N", "KNOCKKNOCK-INPUT"],
                [tool, "-w", "-F", "KNOCKKNOCK-INPUT"],
                .. icmpv6,
                [tool, "-w", "-A", "KNOCKKNOCK-INPUT", "-m", "conntrack", "--ctstate", "INVALID", "-j", "DROP"],
                Log("7000"), Drop("7000"), Log("7001"), Drop("7001"),
                [tool, "-w", "-I", "INPUT", "1", "-j", "KNOCKKNOCK-INPUT"],
                IptablesCommands.InsertJump(family),
                [tool, "-w", "-I", "INPUT", "1", "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT"],
                [tool, "-w", "-I", "INPUT", "1", "-i", "lo", "-j", "ACCEPT"],
                [tool, "-w", "-P", "INPUT", "DROP"],
            ];
        }
        string[][] expected =
        [
            IptablesCommands.CreateSet(IptablesFamily.IPv4),
            IptablesCommands.CreateSet(IptablesFamily.IPv6),
            .. Family(IptablesFamily.IPv4),
            .. Family(IptablesFamily.IPv6),
        ];

        Assert.That(IptablesRuleset.Commands([7001, 7000, 7001], Prefix), Is.EqualTo(expected));
    }

    [TestCase("/usr/sbin/iptables")]
    [TestCase("/usr/sbin/ip6tables")]
    public void Iptables_policy_turns_to_drop_only_after_loopback_and_established_are_accepted(string tool)
    {
        var commands = IptablesRuleset.Commands([7000], Prefix).Where(c => c[0] == tool).Select(c => string.Join(' ', c[1..])).ToList();
        var policy = commands.IndexOf("-w -P INPUT DROP");
        Assert.That(policy, Is.EqualTo(commands.Count - 1));
        Assert.That(commands.IndexOf("-w -I INPUT 1 -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT"), Is.InRange(0, policy - 1));
        Assert.That(commands.IndexOf("-w -I INPUT 1 -i lo -j ACCEPT"), Is.InRange(0, policy - 1));
        // Never flushed: the chains that are flushed hold no accept for established connections.
        Assert.That(commands.Where(c => c.StartsWith("-w -F ", StringComparison.Ordinal)), Is.EqualTo(new[] { "-w -F KNOCKKNOCK", "-w -F KNOCKKNOCK-INPUT" }));
    }

    [Test]
    public void Iptables_text_is_one_command_per_line_with_only_the_prefix_quoted()
    {
        var lines = IptablesRuleset.Text([7000], Prefix).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var commands = lines.Where(l => !l.StartsWith('#')).ToList();

        Assert.That(commands, Has.Count.EqualTo(IptablesRuleset.Commands([7000], Prefix).Count));
        Assert.That(commands, Has.All.StartWith("iptables -w ").Or.StartWith("ip6tables -w ").Or.StartWith("ipset -exist create "));
        Assert.That(commands, Does.Contain(
            "iptables -w -A KNOCKKNOCK-INPUT -p tcp --dport 7000 --syn -m hashlimit --hashlimit-mode srcip --hashlimit-upto 10/sec "
            + "--hashlimit-burst 20 --hashlimit-name knockknock -j LOG --log-prefix 'knockknock: ' --log-tcp-sequence --log-tcp-options"));
        Assert.That(commands, Does.Contain(
            "ip6tables -w -A KNOCKKNOCK-INPUT -p tcp --dport 7000 --syn -m hashlimit --hashlimit-mode srcip --hashlimit-srcmask 64 --hashlimit-upto 10/sec "
            + "--hashlimit-burst 20 --hashlimit-name knockknock6 -j LOG --log-prefix 'knockknock: ' --log-tcp-sequence --log-tcp-options"));
        Assert.That(commands, Does.Contain("ipset -exist create knockknock6 hash:ip,port family inet6 timeout 1 maxelem 1048576"));
        Assert.That(commands.Count(l => l.Contains('\'', StringComparison.Ordinal)), Is.EqualTo(2), "the LOG rule of each family");
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
    public void Nft_rate_limits_knock_logs_per_source_before_logging_and_drops_every_knock_of_both_families()
    {
        var text = NftRuleset.Text([7001, 7000], Prefix);
        const string limit = "meta nfproto ipv4 tcp dport { 7000, 7001 } tcp flags & (fin|syn|rst|ack) == syn "
            + "update @knock_rate { ip saddr limit rate over 10/second burst 20 packets } drop\n";
        const string limit6 = "meta nfproto ipv6 tcp dport { 7000, 7001 } tcp flags & (fin|syn|rst|ack) == syn "
            + "update @knock_rate6 { ip6 saddr & ffff:ffff:ffff:ffff:: limit rate over 10/second burst 20 packets } drop\n";
        const string log = "        tcp dport { 7000, 7001 } tcp flags & (fin|syn|rst|ack) == syn "
            + "log prefix \"knockknock: \" flags tcp sequence,options drop\n";

        Assert.That(text, Does.Contain("set knock_rate {\n        type ipv4_addr\n        size 65536\n        flags dynamic, timeout\n        timeout 1m\n    }"));
        Assert.That(text, Does.Contain("set knock_rate6 {\n        type ipv6_addr\n        size 65536\n        flags dynamic, timeout\n        timeout 1m\n    }"));
        Assert.That(text, Does.Contain(limit).And.Contain(limit6).And.Contain(log));
        Assert.That(text.IndexOf(limit, StringComparison.Ordinal), Is.LessThan(text.IndexOf(log, StringComparison.Ordinal)));
        Assert.That(text.IndexOf(limit6, StringComparison.Ordinal), Is.LessThan(text.IndexOf(log, StringComparison.Ordinal)));
        Assert.That(text.IndexOf("ct state established,related accept", StringComparison.Ordinal), Is.LessThan(text.IndexOf(limit, StringComparison.Ordinal)));
        Assert.That(LoggedPorts.Unlogged([7000, 7001], NftLogRules.LoggedPorts(text, Prefix)), Is.Empty, "the daemon's own check recognises the rule, for both families");
    }

    [Test]
    public void Nft_keeps_IPv6_neighbour_discovery_and_ICMPv6_errors_working_under_the_drop_policy()
    {
        var text = NftRuleset.Text([7000], Prefix);
        var icmpv6 = text.IndexOf("        icmpv6 type { destination-unreachable, packet-too-big, time-exceeded, parameter-problem, "
            + "mld-listener-query, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } accept\n", StringComparison.Ordinal);
        Assert.That(icmpv6, Is.GreaterThan(0));
        Assert.That(icmpv6, Is.LessThan(text.IndexOf("ct state invalid drop", StringComparison.Ordinal)), "before conntrack's invalid verdict");
        var ipOnly = NftRuleset.Text([7000], Prefix, new NftSet("ip", "filter", "knocked"));
        Assert.That(ipOnly, Does.Not.Contain("icmpv6").And.Not.Contain("ip6").And.Not.Contain("knocked6"), "an ip table sees no IPv6");
    }

    [Test]
    public void Nft_log_rules_are_found_per_family()
    {
        const string ruleset = """
            table ip old {
                chain input {
                    tcp dport 7000 log prefix "knockknock: " flags tcp sequence,options
                }
            }
            table inet mixed {
                chain input {
                    meta nfproto ipv6 tcp dport { 7001, 7002-7003 } log prefix "knockknock: " flags all
                    ip6 saddr 2001:db8::/32 tcp dport 7004 log prefix "knockknock: " flags tcp sequence,options
                    tcp dport 7005 log prefix "knockknock: " flags tcp sequence
                    tcp dport 7006 log prefix "other: " flags all
                    tcp dport 7007 log prefix "knockknock: " flags tcp sequence,options flags ip options
                }
            }
            """;
        var logged = NftLogRules.LoggedPorts(ruleset, Prefix);
        Assert.That(LoggedPorts.Unlogged([7000, 7001, 7002, 7003, 7004, 7005, 7006, 7007], logged), Is.EqualTo(new UnloggedPort[]
        {
            new(7000, IpFamily.IPv6), new(7001, IpFamily.IPv4), new(7002, IpFamily.IPv4), new(7003, IpFamily.IPv4), new(7004, IpFamily.IPv4),
            new(7005, IpFamily.IPv4), new(7005, IpFamily.IPv6), new(7006, IpFamily.IPv4), new(7006, IpFamily.IPv6),
        }));
    }

    [Test]
    public void Iptables_log_rules_need_tcp_sequence_and_options()
    {
        const string save = """
            *filter
            -A KNOCKKNOCK-INPUT -p tcp -m tcp --dport 7000 -j LOG --log-prefix "knockknock: " --log-tcp-sequence --log-tcp-options
            -A INPUT -p tcp -m multiport --dports 7001,7002:7003 -j LOG --log-prefix "knockknock: " --log-tcp-sequence --log-tcp-options --log-ip-options
            -A INPUT -p tcp -m tcp --dport 7004 -j LOG --log-prefix "knockknock: " --log-tcp-sequence
            COMMIT
            """;
        var logged = new HashSet<(ushort, IpFamily)>();
        IptablesLogRules.AddLoggedPorts(logged, save, Prefix, IpFamily.IPv6);
        Assert.That(logged, Is.EquivalentTo(new (ushort, IpFamily)[] { (7000, IpFamily.IPv6), (7001, IpFamily.IPv6), (7002, IpFamily.IPv6), (7003, IpFamily.IPv6) }));
        Assert.That(UnloggedPort.Describe([new(7000, IpFamily.IPv4), new(7000, IpFamily.IPv6), new(7004, IpFamily.IPv6)]), Is.EqualTo("7000 (IPv4 and IPv6), 7004 (IPv6)"));
    }

    [Test]
    public void The_iptables_sets_up_applies_and_the_workers_check_recognise_each_other()
    {
        // What `rules` prints for chain KNOCKKNOCK is what the worker's check expects to find there.
        var lines = IptablesRuleset.Commands([7000], Prefix).Where(c => c[0] == "/usr/sbin/ip6tables" && c[2] == "-A" && c[3] == "KNOCKKNOCK")
            .Select(c => string.Join(' ', c[2..]));
        var save = "*filter\n:INPUT DROP [0:0]\n:KNOCKKNOCK - [0:0]\n-A INPUT -j KNOCKKNOCK\n" + string.Join('\n', lines) + "\nCOMMIT\n";
        Assert.That(IptablesChainState.Read(save, IptablesFamily.IPv6).Intact, Is.True, save);
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
