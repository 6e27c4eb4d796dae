using KnockKnock.Daemon.Firewall;

namespace KnockKnock.Tests.Firewall;

[TestFixture]
public sealed class FirewallCommandsTests
{
    private const uint Client = 0xC6120102; // 198.18.1.2

    [Test]
    public void Addresses_format_as_plain_dotted_quads()
    {
        Assert.That(FirewallCommands.FormatAddress(Client), Is.EqualTo("198.18.1.2"));
        Assert.That(FirewallCommands.FormatAddress(0), Is.EqualTo("0.0.0.0"));
        Assert.That(FirewallCommands.FormatAddress(uint.MaxValue), Is.EqualTo("255.255.255.255"));
    }

    [TestCase("iptables v1.8.9 (nf_tables)\n", true)]
    [TestCase("iptables v1.8.9 (legacy)\n", false)]
    [TestCase("iptables v1.6.1\n", false)]
    [TestCase("", false)]
    public void Only_iptables_nft_keeps_each_openings_one_connection_limit(string version, bool usable)
    {
        // Legacy tables are rewritten whole for every rule change, restarting every -m limit.
        Assert.That(IptablesBackend.DrivesNfTables(version), Is.EqualTo(usable));
        Assert.That(FirewallCommands.IptablesVersion(), Is.EqualTo(new[] { "/usr/sbin/iptables", "--version" }));
    }

    [Test]
    public void Nft_argv_is_pinned()
    {
        var set = NftSet.Default;
        Assert.That(FirewallCommands.NftAddElement(set, Client, 2222, TimeSpan.FromSeconds(15)), Is.EqualTo(new[]
        {
            "/usr/sbin/nft", "add", "element", "inet", "knockknock", "allowed", "{", "198.18.1.2", ".", "2222", "timeout", "15s", "}",
        }));
        Assert.That(FirewallCommands.NftDeleteElement(set, Client, 2222), Is.EqualTo(new[]
        {
            "/usr/sbin/nft", "delete", "element", "inet", "knockknock", "allowed", "{", "198.18.1.2", ".", "2222", "}",
        }));
        Assert.That(FirewallCommands.NftFlushSet(new NftSet("ip", "filter", "knocked")), Is.EqualTo(new[]
        {
            "/usr/sbin/nft", "flush", "set", "ip", "filter", "knocked",
        }));
        Assert.That(FirewallCommands.NftListSet(new NftSet("ip", "filter", "knocked")), Is.EqualTo(new[]
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
        Assert.That(FirewallCommands.IptablesInsertOpening(Client, 2222, until), Is.EqualTo((string[])["/usr/sbin/iptables", "-w", "-I", "KNOCKKNOCK", "1", .. spec]));
        Assert.That(FirewallCommands.IptablesDeleteOpening(Client, 2222, until), Is.EqualTo((string[])["/usr/sbin/iptables", "-w", "-D", "KNOCKKNOCK", .. spec]));
        Assert.That(FirewallCommands.IptablesNewChain(), Is.EqualTo(new[] { "/usr/sbin/iptables", "-w", "-N", "KNOCKKNOCK" }));
        Assert.That(FirewallCommands.IptablesFlushChain(), Is.EqualTo(new[] { "/usr/sbin/iptables", "-w", "-F", "KNOCKKNOCK" }));
        Assert.That(FirewallCommands.IptablesCheckJump(), Is.EqualTo(new[] { "/usr/sbin/iptables", "-w", "-C", "INPUT", "-j", "KNOCKKNOCK" }));
        Assert.That(FirewallCommands.IptablesInsertJump(), Is.EqualTo(new[] { "/usr/sbin/iptables", "-w", "-I", "INPUT", "1", "-j", "KNOCKKNOCK" }));
        Assert.That(FirewallCommands.IptablesAcceptAdmitted(), Is.EqualTo(new[]
        {
            "/usr/sbin/iptables", "-w", "-A", "KNOCKKNOCK", "-m", "connmark", "--mark", "0x4b4b0001", "-j", "ACCEPT",
        }));
        Assert.That(FirewallCommands.IptablesDeleteAdmitted(), Is.EqualTo(new[]
        {
            "/usr/sbin/iptables", "-w", "-D", "KNOCKKNOCK", "-m", "connmark", "--mark", "0x4b4b0001", "-j", "ACCEPT",
        }));
        Assert.That(FirewallCommands.IptablesListChain(), Is.EqualTo(new[] { "/usr/sbin/iptables", "-w", "-S", "KNOCKKNOCK" }));
        Assert.That(FirewallCommands.IptablesAdmittedLine, Is.EqualTo("-A KNOCKKNOCK -m connmark --mark 0x4b4b0001 -j ACCEPT"));
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
        Assert.That(FirewallDetection.Detect(path => path == "/usr/sbin/nft"), Is.EqualTo(FirewallKind.Nft));
        Assert.That(FirewallDetection.Detect(_ => false), Is.EqualTo(FirewallKind.Iptables));
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
