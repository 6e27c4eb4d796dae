using KnockKnock.Daemon.Firewall;
using KnockKnock.Daemon.Firewall.Iptables;
using KnockKnock.Daemon.Firewall.Nft;

using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Firewall;

/// <summary>Every command the root worker gives the firewall, pinned word for word; pure, no root.</summary>
[TestFixture]
public sealed class FirewallCommandsTests
{
    private static readonly HostAddress Client = Addresses.Of("198.18.1.2");
    private static readonly HostAddress Client6 = Addresses.Of("2001:db8:1::2");

    [Test]
    [TestCase("iptables v1.8.9 (nf_tables)\n", true)]
    [TestCase("ip6tables v1.8.9 (nf_tables)\n", true)]
    [TestCase("iptables v1.8.9 (legacy)\n", false)]
    [TestCase("iptables v1.6.1\n", false)]
    [TestCase("", false)]
    public void Only_iptables_nft_is_accepted(string version, bool usable)
    {
        // The worker notices a reload through the nf_tables generation, which legacy tables do not move.
        Assert.That(IptablesBackend.DrivesNfTables(version), Is.EqualTo(usable));
        Assert.That(IptablesCommands.Version(IptablesFamily.IPv4), Is.EqualTo(new[] { "/usr/sbin/iptables", "--version" }));
        Assert.That(IptablesCommands.Version(IptablesFamily.IPv6), Is.EqualTo(new[] { "/usr/sbin/ip6tables", "--version" }));
    }

    [Test]
    public void Nft_commands_are_pinned()
    {
        var set = NftSet.Default;
        Assert.That(NftCommands.AddElement(set, Client, 2222, 15), Is.EqualTo("add element inet knockknock allowed { 198.18.1.2 . 2222 timeout 15s }"));
        Assert.That(NftCommands.AddElement(set, Client6, 22, 3600), Is.EqualTo("add element inet knockknock allowed6 { 2001:db8:1::2 . 22 timeout 3600s }"));
        Assert.That(NftCommands.DeleteElement(set, Client, 2222), Is.EqualTo("delete element inet knockknock allowed { 198.18.1.2 . 2222 }"));
        Assert.That(NftCommands.DeleteElement(set, Client6, 2222), Is.EqualTo("delete element inet knockknock allowed6 { 2001:db8:1::2 . 2222 }"));
        Assert.That(NftCommands.FlushSets(set), Is.EqualTo("flush set inet knockknock allowed\nflush set inet knockknock allowed6\n"));
        Assert.That(NftCommands.ListChain(set), Is.EqualTo("list chain inet knockknock knocked"));
        Assert.That(NftCommands.ListRuleset(), Is.EqualTo(new[] { "/usr/sbin/nft", "list", "ruleset" }));
        Assert.That(NftCommands.Ensure(set), Is.EqualTo("""
            add table inet knockknock
            add set inet knockknock allowed { type ipv4_addr . inet_service; flags dynamic, timeout; }
            add set inet knockknock allowed6 { type ipv6_addr . inet_service; flags dynamic, timeout; }
            add chain inet knockknock knocked { type filter hook input priority -150; policy accept; }
            flush chain inet knockknock knocked
            add rule inet knockknock knocked ct state new tcp flags & (fin|syn|rst|ack) == syn ip saddr . tcp dport @allowed delete @allowed { ip saddr . tcp dport } ct mark set 0x4b4b0001
            add rule inet knockknock knocked ct state new tcp flags & (fin|syn|rst|ack) == syn ip6 saddr . tcp dport @allowed6 delete @allowed6 { ip6 saddr . tcp dport } ct mark set 0x4b4b0001

            """));
    }

    [Test]
    public void An_ip_table_holds_IPv4_openings_only()
    {
        var set = new NftSet("ip", "filter", "knocked");
        Assert.That(set.Set6, Is.Null);
        Assert.That(set.Holds(Client), Is.True);
        Assert.That(set.Holds(Client6), Is.False);
        Assert.That(() => NftCommands.AddElement(set, Client6, 22, 5), Throws.ArgumentException);
        Assert.That(NftCommands.FlushSets(set), Is.EqualTo("flush set ip filter knocked\n"));
        Assert.That(NftCommands.Ensure(set), Does.Not.Contain("ip6").And.Not.Contain("knocked6"));
    }

    [Test]
    public void Nft_names_that_could_carry_syntax_are_refused()
    {
        Assert.That(() => new NftSet("inet", "knock knock", "allowed"), Throws.ArgumentException);
        Assert.That(() => new NftSet("inet", "knockknock", "a;flush ruleset"), Throws.ArgumentException);
        Assert.That(() => new NftSet("inet", "knockknock", "a}"), Throws.ArgumentException);
        Assert.That(() => new NftSet("bridge", "knockknock", "allowed"), Throws.ArgumentException);
        Assert.That(() => NftCommands.AddElement(NftSet.Default, Client, 22, 0), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void Iptables_commands_are_pinned()
    {
        const string ipt = "/usr/sbin/iptables";
        const string ip6t = "/usr/sbin/ip6tables";
        Assert.That(IptablesCommands.NewChain(IptablesFamily.IPv4), Is.EqualTo(new[] { ipt, "-w", "-N", "KNOCKKNOCK" }));
        Assert.That(IptablesCommands.FlushChain(IptablesFamily.IPv6), Is.EqualTo(new[] { ip6t, "-w", "-F", "KNOCKKNOCK" }));
        Assert.That(IptablesCommands.InsertJump(IptablesFamily.IPv6), Is.EqualTo(new[] { ip6t, "-w", "-I", "INPUT", "1", "-j", "KNOCKKNOCK" }));
        Assert.That(IptablesCommands.SaveFilter(IptablesFamily.IPv4), Is.EqualTo(new[] { "/usr/sbin/iptables-save", "-t", "filter" }));
        Assert.That(IptablesCommands.SaveFilter(IptablesFamily.IPv6), Is.EqualTo(new[] { "/usr/sbin/ip6tables-save", "-t", "filter" }));
        Assert.That(IptablesCommands.AppendChainRules(IptablesFamily.IPv4), Is.EqualTo(new[]
        {
            new[] { ipt, "-w", "-A", "KNOCKKNOCK", "-p", "tcp", "-m", "tcp", "--tcp-flags", "FIN,SYN,RST,ACK", "SYN", "-m", "conntrack", "--ctstate", "NEW",
                "-m", "set", "--match-set", "knockknock", "src,dst", "-j", "CONNMARK", "--set-xmark", "0x4b4b0001/0xffffffff" },
            new[] { ipt, "-w", "-A", "KNOCKKNOCK", "-m", "connmark", "--mark", "0x4b4b0001", "-m", "conntrack", "--ctstate", "NEW", "-j", "SET", "--del-set", "knockknock", "src,dst" },
            new[] { ipt, "-w", "-A", "KNOCKKNOCK", "-m", "connmark", "--mark", "0x4b4b0001", "-j", "ACCEPT" },
        }));
        Assert.That(IptablesCommands.ChainLines(IptablesFamily.IPv6), Is.EqualTo(new[]
        {
            "-A KNOCKKNOCK -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -m conntrack --ctstate NEW -m set --match-set knockknock6 src,dst -j CONNMARK --set-xmark 0x4b4b0001/0xffffffff",
            "-A KNOCKKNOCK -m connmark --mark 0x4b4b0001 -m conntrack --ctstate NEW -j SET --del-set knockknock6 src,dst",
            "-A KNOCKKNOCK -m connmark --mark 0x4b4b0001 -j ACCEPT",
        }));
        Assert.That(IptablesCommands.JumpLine, Is.EqualTo("-A INPUT -j KNOCKKNOCK"));
        Assert.That(IptablesCommands.CreateSet(IptablesFamily.IPv4), Is.EqualTo(new[]
        {
            "/usr/sbin/ipset", "-exist", "create", "knockknock", "hash:ip,port", "family", "inet", "timeout", "1", "maxelem", "1048576",
        }));
        Assert.That(IptablesCommands.CreateSet(IptablesFamily.IPv6), Is.EqualTo(new[]
        {
            "/usr/sbin/ipset", "-exist", "create", "knockknock6", "hash:ip,port", "family", "inet6", "timeout", "1", "maxelem", "1048576",
        }));
    }

    [Test]
    public void Detection_prefers_nft_when_present()
    {
        Assert.That(FirewallBackends.Detect(path => path == "/usr/sbin/nft"), Is.SameAs(NftBackend.Instance));
        Assert.That(FirewallBackends.Detect(path => path == "/usr/sbin/iptables"), Is.SameAs(IptablesBackend.Instance));
        Assert.That(FirewallBackends.Detect(_ => false), Is.SameAs(IptablesBackend.Instance));
    }

    [Test]
    public void Nft_ruleset_marks_in_the_workers_chain_and_accepts_the_mark_in_its_drop_policy_chain()
    {
        var text = NftRuleset.Text([7001, 7000], "knockknock: ");
        Assert.That(text, Does.Contain("policy drop;"));
        Assert.That(text, Does.Contain("ct state established,related accept"));
        Assert.That(text, Does.Contain("ct mark 0x4b4b0001 accept"));
        Assert.That(text, Does.Contain("chain knocked {\n        type filter hook input priority -150; policy accept;\n"));
        foreach (var rule in NftCommands.MarkRules(NftSet.Default))
        {
            Assert.That(text, Does.Contain("        " + rule + "\n"), "the worker's own rule, word for word");
        }
        Assert.That(text, Does.Contain("tcp dport { 7000, 7001 } tcp flags & (fin|syn|rst|ack) == syn log prefix \"knockknock: \" flags tcp sequence,options drop"));
        Assert.That(() => NftRuleset.Text([7001], "bad\" prefix"), Throws.ArgumentException);
        Assert.That(() => NftRuleset.Text([], "knockknock: "), Throws.ArgumentException);
    }
}
