using KnockKnock.Daemon.Firewall;
using KnockKnock.Daemon.Firewall.Iptables;
using KnockKnock.Daemon.Firewall.Nft;

using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Firewall;

[TestFixture]
public sealed class FirewallCommandsTests
{
    private static readonly HostAddress Client = Addresses.Of("198.18.1.2");

    [Test]
    [TestCase("iptables v1.8.9 (nf_tables)\n", true)]
    [TestCase("iptables v1.8.9 (legacy)\n", false)]
    [TestCase("iptables v1.6.1\n", false)]
    [TestCase("", false)]
    public void Only_iptables_nft_keeps_each_openings_one_connection_limit(string version, bool usable)
    {
        // Legacy tables are rewritten whole for every rule change, restarting every -m limit.
        Assert.That(IptablesBackend.DrivesNfTables(version), Is.EqualTo(usable));
        Assert.That(IptablesCommands.Version(), Is.EqualTo(new[] { "/usr/sbin/iptables", "--version" }));
    }

    [Test]
    public void Nft_argv_is_pinned()
    {
        var set = NftSet.Default;
        Assert.That(NftCommands.AddElement(set, Client, 2222, TimeSpan.FromSeconds(15)), Is.EqualTo(new[]
        {
            "/usr/sbin/nft", "add", "element", "inet", "knockknock", "allowed", "{", "198.18.1.2", ".", "2222", "timeout", "15s", "}",
        }));
        Assert.That(NftCommands.DeleteElement(set, Client, 2222), Is.EqualTo(new[]
        {
            "/usr/sbin/nft", "delete", "element", "inet", "knockknock", "allowed", "{", "198.18.1.2", ".", "2222", "}",
        }));
        Assert.That(NftCommands.FlushSet(new NftSet("ip", "filter", "knocked")), Is.EqualTo(new[]
        {
            "/usr/sbin/nft", "flush", "set", "ip", "filter", "knocked",
        }));
        Assert.That(NftCommands.ListSet(new NftSet("ip", "filter", "knocked")), Is.EqualTo(new[]
        {
            "/usr/sbin/nft", "list", "set", "ip", "filter", "knocked",
        }));
    }

    [Test]
    public void Iptables_argv_is_pinned()
    {
        var until = new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.FromHours(2)); // 01:04:05 UTC
        string[] spec =
        [
            "-s", "198.18.1.2/32", "-p", "tcp", "--dport", "2222", "-m", "conntrack", "--ctstate", "NEW",
            "-m", "time", "--datestop", "2030-01-02T01:04:05", "-m", "limit", "--limit", "1/day", "--limit-burst", "1",
            "-m", "comment", "--comment", "knockknock 198.18.1.2:2222 until 1893546245",
            "-j", "CONNMARK", "--set-xmark", "0x4b4b0001/0xffffffff",
        ];
        Assert.That(IptablesCommands.InsertOpening(Client, 2222, until), Is.EqualTo((string[])["/usr/sbin/iptables", "-w", "-I", "KNOCKKNOCK", "1", .. spec]));
        Assert.That(IptablesCommands.DeleteOpening(Client, 2222, until), Is.EqualTo((string[])["/usr/sbin/iptables", "-w", "-D", "KNOCKKNOCK", .. spec]));
        Assert.That(IptablesCommands.NewChain(), Is.EqualTo(new[] { "/usr/sbin/iptables", "-w", "-N", "KNOCKKNOCK" }));
        Assert.That(IptablesCommands.FlushChain(), Is.EqualTo(new[] { "/usr/sbin/iptables", "-w", "-F", "KNOCKKNOCK" }));
        Assert.That(IptablesCommands.CheckJump(), Is.EqualTo(new[] { "/usr/sbin/iptables", "-w", "-C", "INPUT", "-j", "KNOCKKNOCK" }));
        Assert.That(IptablesCommands.InsertJump(), Is.EqualTo(new[] { "/usr/sbin/iptables", "-w", "-I", "INPUT", "1", "-j", "KNOCKKNOCK" }));
        Assert.That(IptablesCommands.AcceptAdmitted(), Is.EqualTo(new[]
        {
            "/usr/sbin/iptables", "-w", "-A", "KNOCKKNOCK", "-m", "connmark", "--mark", "0x4b4b0001", "-j", "ACCEPT",
        }));
        Assert.That(IptablesCommands.DeleteAdmitted(), Is.EqualTo(new[]
        {
            "/usr/sbin/iptables", "-w", "-D", "KNOCKKNOCK", "-m", "connmark", "--mark", "0x4b4b0001", "-j", "ACCEPT",
        }));
        Assert.That(IptablesCommands.ListChain(), Is.EqualTo(new[] { "/usr/sbin/iptables", "-w", "-S", "KNOCKKNOCK" }));
        Assert.That(IptablesCommands.AdmittedLine, Is.EqualTo("-A KNOCKKNOCK -m connmark --mark 0x4b4b0001 -j ACCEPT"));
    }

    [Test]
    public void Nft_set_names_that_could_carry_syntax_are_refused()
    {
        Assert.That(() => new NftSet("inet", "knock knock", "allowed"), Throws.ArgumentException);
        Assert.That(() => new NftSet("inet", "knockknock", "a;flush ruleset"), Throws.ArgumentException);
        Assert.That(() => new NftSet("bridge", "knockknock", "allowed"), Throws.ArgumentException);
    }

    [Test]
    public void Detection_prefers_nft_when_present()
    {
        Assert.That(FirewallBackends.Detect(path => path == "/usr/sbin/nft"), Is.SameAs(NftBackend.Instance));
        Assert.That(FirewallBackends.Detect(path => path == "/usr/sbin/iptables"), Is.SameAs(IptablesBackend.Instance));
        Assert.That(FirewallBackends.Detect(_ => false), Is.SameAs(IptablesBackend.Instance));
    }

    [Test]
    public void Nft_ruleset_looks_up_the_set_in_its_drop_policy_chain_and_logs_knock_ports()
    {
        var text = NftRuleset.Text([7001, 7000], "knockknock: ");
        Assert.That(text, Does.Contain("policy drop;"));
        Assert.That(text, Does.Contain("ct state established,related accept"));
        Assert.That(text, Does.Contain("ct mark 0x4b4b0001 accept"));
        Assert.That(text, Does.Contain("ip saddr . tcp dport @allowed delete @allowed { ip saddr . tcp dport } ct mark set 0x4b4b0001 accept"));
        Assert.That(text, Does.Contain("tcp dport { 7000, 7001 } tcp flags & (fin|syn|rst|ack) == syn log prefix \"knockknock: \" flags tcp sequence"));
        Assert.That(() => NftRuleset.Text([7001], "bad\" prefix"), Throws.ArgumentException);
        Assert.That(() => NftRuleset.Text([], "knockknock: "), Throws.ArgumentException);
    }
}
