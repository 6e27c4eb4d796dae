using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.EndToEnd;

/// <summary>
/// A real OpenSSH client logs in through the knock: sshd (Debian's openssh-server) runs in the
/// server namespace on the protected port with a config, host key and authorized key of its own,
/// behind the default-drop firewall and the real daemon; ssh in the client namespace reaches it
/// through <c>knockknock connect</c> as its ProxyCommand (on the command line, and from a config
/// file the way ~/.ssh/config holds it, with scp, rsync -e ssh and git push over the same), and through <c>knockknock socks</c>
/// with netcat-openbsd's SOCKS5 client as the ProxyCommand.
/// </summary>
[TestFixture("iptables")]
[TestFixture("nft")]
[Category("Root")]
[NonParallelizable]
public sealed class OpenSshTests(string backend)
{
    private const string RemoteCommand = "echo knocked-in as $(id -un): $((6 * 7))";
    private const string Expected = "knocked-in as root: 42\n";

    [Test]
    public void Ssh_logs_in_through_knockknock_connect_as_its_ProxyCommand_and_runs_a_command()
    {
        using var site = new KnockSite(backend, protocol: 2, services: []);
        using var daemon = site.StartDaemon();
        using var sshd = SshServer.Start(site.Net.Server, KnockSite.Service, Path.Combine(site.Directory, "ssh"));
        var proxy = $"{Binaries.Client} connect %h %p --profile-dir {Path.Combine(site.ClientDirectory, "alpha")} --no-retransmit";

        var result = site.Net.Client.Run("ssh", [.. sshd.ClientArguments(site.Net.ServerAddress, KnockSite.Service, proxy), RemoteCommand], "", TimeSpan.FromSeconds(60));

        Assert.That(result.ExitCode, Is.Zero, result + "\nsshd:\n" + sshd.Log);
        Assert.That(result.StdOut, Is.EqualTo(Expected));
        Assert.That(daemon.Lines("accepted knock:"), Has.Count.EqualTo(1), daemon.Output);
        Assert.That(site.CanConnect(), Is.False, "the port closed behind the ssh connection");
    }

    [Test]
    public void Ssh_scp_rsync_and_git_use_the_ProxyCommand_of_an_ssh_config_with_the_profile_in_the_users_home()
    {
        using var site = new KnockSite(backend, protocol: 2, services: []);
        using var daemon = site.StartDaemon();
        using var sshd = SshServer.Start(site.Net.Server, KnockSite.Service, Path.Combine(site.Directory, "ssh"));
        Packaging.ToolRequirement.Require("rsync", "git");
        // The README's set-up: ~/.knockknock/HOST (HOST as ssh's %h gives it: the HostName), and
        // a Host block with the ProxyCommand. HOME points the client at this home.
        var home = Path.Combine(site.Directory, "home");
        Directory.CreateDirectory(Path.Combine(home, ".knockknock"), (UnixFileMode)0b111_000_000);
        Command.Check("cp", "-a", Path.Combine(site.ClientDirectory, "alpha"), Path.Combine(home, ".knockknock", site.Net.ServerAddress));
        var config = Path.Combine(site.Directory, "ssh_config");
        File.WriteAllText(config, $"""
            Host myserver
                HostName {site.Net.ServerAddress}
                Port {KnockSite.Service}
                User root
                ProxyCommand {Binaries.Client} connect %h %p --no-retransmit

            """);
        var environment = new Dictionary<string, string> { ["HOME"] = home };

        var login = site.Net.Client.Run("ssh", ["-F", config, .. sshd.SecurityOptions, "myserver", RemoteCommand], "", TimeSpan.FromSeconds(60), environment);
        Assert.That(login.ExitCode, Is.Zero, login + "\nsshd:\n" + sshd.Log);
        Assert.That(login.StdOut, Is.EqualTo(Expected));

        var source = Path.Combine(site.Directory, "to-copy.txt");
        var copy = Path.Combine(site.Directory, "copied.txt");
        File.WriteAllText(source, "copied through a knock\n");
        var scp = site.Net.Client.Run("scp", ["-F", config, .. sshd.SecurityOptions, source, "myserver:" + copy], "", TimeSpan.FromSeconds(60), environment);
        Assert.That(scp.ExitCode, Is.Zero, scp + "\nsshd:\n" + sshd.Log);
        Assert.That(File.ReadAllText(copy), Is.EqualTo("copied through a knock\n"));

        // rsync -e ssh and git over ssh, through the same Host block.
        var ssh = string.Join(' ', ["ssh", "-F", config, .. sshd.SecurityOptions]);
        var synced = Path.Combine(site.Directory, "synced.txt");
        var rsync = site.Net.Client.Run("rsync", ["-e", ssh, source, "myserver:" + synced], "", TimeSpan.FromSeconds(60), environment);
        Assert.That(rsync.ExitCode, Is.Zero, rsync + "\nsshd:\n" + sshd.Log);
        Assert.That(File.ReadAllText(synced), Is.EqualTo("copied through a knock\n"));

        var bare = Path.Combine(site.Directory, "remote.git");
        var work = Path.Combine(site.Directory, "work");
        Command.Check("git", "init", "-q", "--bare", bare);
        Command.Check("git", "init", "-q", work);
        File.WriteAllText(Path.Combine(work, "README"), "pushed through a knock\n");
        Command.Check("git", "-C", work, "add", "README");
        Command.Check("git", "-C", work, "-c", "user.name=Test", "-c", "user.email=test@example.org", "commit", "-q", "-m", "knocked");
        var gitEnvironment = new Dictionary<string, string>(environment) { ["GIT_SSH_COMMAND"] = ssh };
        var push = site.Net.Client.Run("git", ["-C", work, "push", "-q", "myserver:" + bare, "HEAD:refs/heads/main"], "", TimeSpan.FromSeconds(60), gitEnvironment);
        Assert.That(push.ExitCode, Is.Zero, push + "\nsshd:\n" + sshd.Log);
        Assert.That(Command.Check("git", "--git-dir", bare, "log", "--format=%s", "main").Trim(), Is.EqualTo("knocked"));

        Assert.That(daemon.Lines("accepted knock:"), Has.Count.EqualTo(4), "one knock per connection (ssh, scp, rsync, git): " + daemon.Output);
    }

    [Test]
    public void Ssh_logs_in_through_knockknock_socks_with_nc_as_its_ProxyCommand()
    {
        using var site = new KnockSite(backend, protocol: 2, services: []);
        using var daemon = site.StartDaemon();
        using var sshd = SshServer.Start(site.Net.Server, KnockSite.Service, Path.Combine(site.Directory, "ssh"));
        var profiles = SocksProxyTests.ProfileRoot(site, site.Net.ServerAddress);
        using var socks = SocksProxy.Start(site.Net.Client, "127.0.0.1", "--profiles", profiles, "--no-retransmit", "-v");

        var result = site.Net.Client.Run("ssh", [.. sshd.ClientArguments(site.Net.ServerAddress, KnockSite.Service, $"nc -X 5 -x 127.0.0.1:{socks.Port} %h %p"), RemoteCommand], "", TimeSpan.FromSeconds(60));

        Assert.That(result.ExitCode, Is.Zero, result + "\nproxy:\n" + socks.Log + "\nsshd:\n" + sshd.Log);
        Assert.That(result.StdOut, Is.EqualTo(Expected));
        Assert.That(socks.Log, Does.Contain($"{site.Net.ServerAddress}:{KnockSite.Service}: connected (knocked"));
        Assert.That(daemon.Lines("accepted knock:"), Has.Count.EqualTo(1), daemon.Output);
    }
}
