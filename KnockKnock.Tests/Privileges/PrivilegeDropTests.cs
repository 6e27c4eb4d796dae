using System.Globalization;
using KnockKnock.Crypto.Counters;
using KnockKnock.Crypto.Profiles;
using KnockKnock.Crypto.Protocol;
using KnockKnock.Daemon.Privileges;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Privileges;

/// <summary>
/// The daemon refuses a user it cannot drop to before it changes anything. (That every thread of
/// the running daemon ends unprivileged is proven on the real daemon in
/// EndToEnd/PrivilegeSeparationTests.)
/// </summary>
[TestFixture]
[Category("Root")]
public sealed class PrivilegeDropTests
{
    [TestCase("no-such-user-kk", "no such user: no-such-user-kk")]
    [TestCase("root", "refusing to run as root: uid or gid 0")]
    public void The_daemon_refuses_a_user_it_cannot_drop_to_before_anything_changes(string user, string message)
    {
        Root.Require();
        using var dir = new TempDirectory();
        Profile.Create(dir.Combine("etc", "profiles", "p"), 7000, PortSet.All, bindSource: false);
        var state = dir.Combine("state");
        var result = Command.Run(Binaries.Daemon, ["--foreground", "--config-dir", dir.Combine("etc"), "--state-dir", state, "--user", user, "--firewall", "nft"]);
        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Usage), result.ToString());
        Assert.That(result.StdErr, Is.EqualTo($"knockknock-daemon: {message}\n"));
        Assert.That(Directory.Exists(state), Is.False, "nothing was created");
    }

    [Test]
    public void The_journal_source_refuses_to_start_without_the_group_systemd_journal()
    {
        Root.Require();
        using var dir = new TempDirectory();
        Profile.Create(dir.Combine("etc", "profiles", "p"), 7000, PortSet.All, bindSource: false);
        // A private mount namespace whose /etc/group lacks the group.
        File.WriteAllLines(dir.Combine("group"), File.ReadAllLines("/etc/group").Where(l => !l.StartsWith("systemd-journal:", StringComparison.Ordinal)));
        var state = dir.Combine("state");
        var result = Command.Run("unshare", ["--mount", "--propagation", "private", "sh", "-ec", "mount --bind \"$1\" /etc/group; shift; exec \"$@\"", "sh", dir.Combine("group"),
            Binaries.Daemon, "--foreground", "--config-dir", dir.Combine("etc"), "--state-dir", state, "--user", "nobody", "--firewall", "nft", "--log-source", "journal"]);
        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Usage), result.ToString());
        Assert.That(result.StdErr, Is.EqualTo("knockknock-daemon: no group 'systemd-journal', which the journal log source keeps after dropping root to read the journal: is systemd installed? (or use --log-source kmsg)\n"));
        Assert.That(Directory.Exists(state), Is.False, "nothing was created");
    }

    /// <summary>
    /// The user and group lookups (getpwnam_r, getgrnam_r) find entries longer than their first
    /// 1 KiB buffer, growing it on ERANGE: a 4000-character GECOS field, a group of 400 members,
    /// in a private mount namespace's /etc/passwd and /etc/group. Both entries carry id 0, so the
    /// daemon stops at the refusal that shows it read them.
    /// </summary>
    [TestCase("--user", "kk-long-entry", "refusing to run as kk-long-entry: uid or gid 0")]
    [TestCase("--user", "kk-minus-one", "refusing to run as kk-minus-one: uid or gid 4294967295")]
    [TestCase("--log-source", "journal", "refusing to keep group systemd-journal: gid 0")]
    public void Users_and_groups_longer_than_the_first_lookup_buffer_are_found(string option, string value, string message)
    {
        Root.Require();
        using var dir = new TempDirectory();
        Profile.Create(dir.Combine("etc", "profiles", "p"), 7000, PortSet.All, bindSource: false);
        File.WriteAllLines(dir.Combine("passwd"), [.. File.ReadAllLines("/etc/passwd"), $"kk-long-entry:x:0:4242:{new string('g', 4000)}:/nonexistent:/usr/sbin/nologin",
            "kk-minus-one:x:4294967295:4242::/nonexistent:/usr/sbin/nologin"]);
        File.WriteAllLines(dir.Combine("group"), [.. File.ReadAllLines("/etc/group").Where(l => !l.StartsWith("systemd-journal:", StringComparison.Ordinal)),
            $"systemd-journal:x:0:{string.Join(",", Enumerable.Range(0, 400).Select(i => $"member{i:D4}"))}"]);
        var state = dir.Combine("state");
        string[] daemon = option == "--user"
            ? [Binaries.Daemon, "--foreground", "--config-dir", dir.Combine("etc"), "--state-dir", state, "--user", value, "--firewall", "nft"]
            : [Binaries.Daemon, "--foreground", "--config-dir", dir.Combine("etc"), "--state-dir", state, "--user", "nobody", "--firewall", "nft", "--log-source", value];
        var result = Command.Run("unshare", ["--mount", "--propagation", "private", "sh", "-ec", "mount --bind \"$1\" /etc/passwd; mount --bind \"$2\" /etc/group; shift 2; exec \"$@\"",
            "sh", dir.Combine("passwd"), dir.Combine("group"), .. daemon]);
        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Usage), result.ToString());
        Assert.That(result.StdErr, Is.EqualTo($"knockknock-daemon: {message}\n"));
        Assert.That(Directory.Exists(state), Is.False, "nothing was created");
    }

    /// <summary>
    /// The lookups read the right fields: a user whose uid and gid differ (so a swap shows) and a
    /// group, against what /etc/passwd and /etc/group say.
    /// </summary>
    [Test]
    public void The_lookups_return_the_ids_the_entries_hold()
    {
        var user = File.ReadLines("/etc/passwd").Select(l => l.Split(':')).First(f => f.Length >= 4 && f[2] != f[3] && f[2] != "0" && f[3] != "0");
        Assert.That(PrivilegeDrop.ResolveUser(user[0]), Is.EqualTo((uint.Parse(user[2], CultureInfo.InvariantCulture), uint.Parse(user[3], CultureInfo.InvariantCulture))));
        var group = File.ReadLines("/etc/group").Select(l => l.Split(':')).First(f => f.Length >= 3 && f[2] != "0");
        Assert.That(PrivilegeDrop.ResolveKeptGroup(group[0]), Is.EqualTo(uint.Parse(group[2], CultureInfo.InvariantCulture)));
    }

    /// <summary>A name with a NUL (which the C lookup would cut off) or another control character is refused, not looked up.</summary>
    [TestCase("nobody\0evil")]
    [TestCase("nobody\n")]
    public void A_name_with_a_control_character_is_refused(string name)
    {
        Assert.That(() => PrivilegeDrop.ResolveUser(name), Throws.TypeOf<KnockKnockException>().With.Message.StartsWith("invalid user name"));
        Assert.That(() => PrivilegeDrop.ResolveKeptGroup(name), Throws.TypeOf<KnockKnockException>().With.Message.StartsWith("invalid group name"));
    }
}
