using System.Text.RegularExpressions;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Packaging;

/// <summary>
/// scripts/package-deb.sh's two packages: lintian finds no error, the control data carries the
/// repository's version and a dependency for every library the binaries link or dlopen, and, as
/// root, the packages install with apt, knock end to end (scripts/demo.sh --installed), keep a
/// changed conffile on reinstall, and purge without leaving anything but the system user.
/// The install test changes the real system (/usr, /etc, a user): it refuses to run where
/// KnockKnock is installed already, and purges in a finally block.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed partial class DebianPackageTests
{
    private const string Server = "knockknock-server";
    private const string Client = "knockknock";
    private const string Unit = "knockknock-daemon.service";
    private static readonly TimeSpan s_aptTimeout = TimeSpan.FromMinutes(5);
    private static readonly Dictionary<string, string> s_aptEnvironment = new() { ["DEBIAN_FRONTEND"] = "noninteractive", ["LC_ALL"] = "C" };
    private TempDirectory _dir = null!;
    private string _version = null!;

    private string Deb(string package) => _dir.Combine($"{package}_{_version}_amd64.deb");

    [OneTimeSetUp]
    public void Build()
    {
        ToolRequirement.Require("dpkg-deb", "dpkg-shlibdeps", "dpkg-gencontrol", "help2man", "lintian", "readelf");
        _version = ProjectVersion.FromBuildProps();
        _dir = new TempDirectory();
        // apt reads local .deb files as its unprivileged _apt user: the directory must be searchable.
        File.SetUnixFileMode(_dir.Path, (UnixFileMode)0b111_101_101);
        var arguments = new List<string> { "--out", _dir.Path };
        if (PublishedBinaries() is { } published)
        {
            arguments.AddRange(["--from", published]);
        }
        var result = Command.Run(Repository.File("scripts", "package-deb.sh"), arguments, TimeSpan.FromMinutes(15));
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(File.Exists(Deb(Server)) && File.Exists(Deb(Client)), Is.True, result.ToString());
    }

    [OneTimeTearDown]
    public void RemoveBuild() => _dir?.Dispose();

    /// <summary>The NativeAOT binaries scripts/test.sh installed (lib/knockknock of its prefix), or null to build them.</summary>
    private static string? PublishedBinaries()
    {
        if (Environment.GetEnvironmentVariable(Binaries.DirectoryVariable) is not { Length: > 0 })
        {
            return null;
        }
        var daemon = new FileInfo(Binaries.Daemon).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Binaries.Daemon;
        var directory = Path.GetDirectoryName(daemon)!;
        return new[] { "knockknock", "knockknock-daemon", "knockknock-daemon-run", "knockknock-worker" }.All(f => File.Exists(Path.Combine(directory, f))) ? directory : null;
    }

    [Test]
    public void Lintian_finds_no_error_in_either_package()
    {
        var result = Command.Run("lintian", ["--fail-on", "error", Deb(Server), Deb(Client)], TimeSpan.FromMinutes(5));
        TestContext.Out.WriteLine($"lintian (exit {result.ExitCode}):\n{result.StdOut}{result.StdErr}");
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.StdOut.Split('\n').Where(line => line.StartsWith("E: ", StringComparison.Ordinal)), Is.Empty);
    }

    [TestCase(Server)]
    [TestCase(Client)]
    public void The_control_data_has_the_repository_version_and_amd64(string package)
    {
        Assert.That(Field(package, "Package"), Is.EqualTo(package));
        Assert.That(Field(package, "Version"), Is.EqualTo(_version));
        Assert.That(Field(package, "Architecture"), Is.EqualTo("amd64"));
    }

    [Test]
    public void The_server_declares_its_tools_the_user_tool_and_its_conffile()
    {
        var depends = Dependencies(Server);
        Assert.That(depends, Does.Contain("adduser").And.Contain("nftables | iptables"));
        Assert.That(Command.Check("dpkg-deb", "--info", Deb(Server), "conffiles").Trim(), Is.EqualTo("/etc/knockknock.d/config"));
    }

    [Test]
    public void The_client_depends_on_setcap()
        => Assert.That(Dependencies(Client), Does.Contain("libcap2-bin"));

    /// <summary>
    /// Every DT_NEEDED library of every ELF file in the package is provided by a package it depends
    /// on (found with dpkg -S on this machine); every library packaging/debian/dlopen lists has its
    /// dependency too.
    /// </summary>
    [TestCase(Server)]
    [TestCase(Client)]
    public void Depends_covers_every_library_the_binaries_link_or_dlopen(string package)
    {
        var depends = Dependencies(package).SelectMany(d => d.Split('|', StringSplitOptions.TrimEntries)).Select(d => d.Split(' ')[0]).ToHashSet();
        using var tree = new TempDirectory();
        Command.Check("dpkg-deb", "-x", Deb(package), tree.Path);
        var needed = Directory.EnumerateFiles(tree.Path, "*", SearchOption.AllDirectories)
            .Where(f => !new FileInfo(f).Attributes.HasFlag(FileAttributes.ReparsePoint) && IsElf(f))
            .SelectMany(f => Needed().Matches(Command.Check("readelf", "-d", f)).Select(m => m.Groups[1].Value))
            .Distinct()
            .ToList();
        Assert.That(needed, Does.Contain("libc.so.6"));
        foreach (var soname in needed)
        {
            var owner = Command.Run("dpkg", "-S", $"*/{soname}");
            Assert.That(owner.ExitCode, Is.Zero, $"no package on this machine has {soname}: {owner}");
            var providers = owner.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split(':')[0]).ToHashSet();
            Assert.That(providers.Overlaps(depends), Is.True, $"{package} links {soname} (package {string.Join('/', providers)}) but Depends: {string.Join(", ", depends)}");
        }
        var dlopened = File.ReadLines(Repository.File("packaging", "debian", "dlopen"))
            .Select(line => line.Split('#')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(words => words.Length >= 3 && words[0] == package)
            .Select(words => words[2])
            .ToList();
        Assert.That(dlopened, Does.Contain("libnettle8").And.Contain("libssl3"));
        Assert.That(dlopened.Where(d => !depends.Contains(d)), Is.Empty, "dlopen'ed libraries missing from Depends");
    }

    [Test]
    [Category("Root")]
    public void Install_knock_reinstall_and_purge_leave_the_machine_as_found()
    {
        Root.Require();
        ToolRequirement.Require("apt-get", "setpriv", "getcap", "systemctl", "man", "ip");
        RefuseToTouchAnExistingInstallation();
        var userExisted = Command.Run("getent", "passwd", "knockknock").ExitCode == 0;
        List<string> packaged = [];
        try
        {
            try
            {
                Apt("install", "-y", Deb(Server), Deb(Client));
                packaged = Command.Check("dpkg-query", "-L", Server, Client).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
                CheckInstalledFiles();
                CheckWhatPostinstDidAndDidNot();
                CheckManPagesAndCompletion();
                CheckAnOrdinaryUserCanKnock();
                CheckTheDemoKnocksWithTheInstalledCommands();
                CheckReinstallKeepsAChangedConffileAndTheCapability();
            }
            finally
            {
                Apt("purge", "-y", Server, Client);
            }
            CheckNothingIsLeft(packaged);
            // Debian's advice for system users (see the postrm): purge keeps the account.
            Assert.That(Command.Run("getent", "passwd", "knockknock").ExitCode, Is.Zero, "purge kept the system user knockknock");
        }
        finally
        {
            if (!userExisted && Command.Run("getent", "passwd", "knockknock").ExitCode == 0)
            {
                Command.Check("deluser", "--system", "--quiet", "knockknock");
            }
        }
        Assert.That(Command.Run("getent", "passwd", "knockknock").ExitCode == 0, Is.EqualTo(userExisted), "the user is as before the test");
    }

    private static void RefuseToTouchAnExistingInstallation()
    {
        foreach (var package in new[] { Server, Client })
        {
            var status = Command.Run("dpkg-query", "-W", "-f=${db:Status-Status}", package);
            if (status.ExitCode == 0 && status.StdOut is not ("not-installed" or ""))
            {
                Assert.Ignore($"skipped: {package} is {status.StdOut} on this machine; the test would install over it and purge it");
            }
        }
        foreach (var path in new[] { "/etc/knockknock.d", "/var/lib/knockknock", "/lib/systemd/system/" + Unit, "/etc/systemd/system/" + Unit })
        {
            if (Path.Exists(path))
            {
                Assert.Ignore($"skipped: {path} exists (KnockKnock installed here by other means); the test would purge it");
            }
        }
    }

    private static void CheckInstalledFiles()
    {
        Assert.That(new FileInfo("/usr/bin/knockknock").LinkTarget, Is.EqualTo("../lib/knockknock/knockknock"));
        Assert.That(new FileInfo("/usr/sbin/knockknock-daemon").LinkTarget, Is.EqualTo("../lib/knockknock-server/knockknock-daemon"));
        Assert.That(new FileInfo("/usr/sbin/knockknock-genprofile").LinkTarget, Is.EqualTo("../lib/knockknock-server/knockknock-daemon"));
        foreach (var command in new[] { "/usr/bin/knockknock", "/usr/sbin/knockknock-daemon", "/usr/sbin/knockknock-genprofile" })
        {
            Assert.That(Command.Check(command, "--version").Trim(), Is.EqualTo(ProjectVersion.FromBuildProps()), command);
        }
        var firewallHelp = Command.Run("/usr/sbin/knockknock-minimal-firewall", "--help");
        Assert.That(firewallHelp.StdOut, Does.StartWith("usage: knockknock-minimal-firewall "), firewallHelp.ToString());

        // The genprofile symlink picks its command by name.
        using var config = new TempDirectory();
        Command.Check("/usr/sbin/knockknock-genprofile", "pkgtest", "7000", "--allow", "22", "--config-dir", config.Path);
        Assert.That(File.Exists(config.Combine("profiles", "pkgtest", "secret")), Is.True);

        // The root worker sits beside the daemon's file, root's and 0755, and the daemon started
        // through its /usr/sbin link finds and accepts it (check names a worker it would refuse).
        Assert.That(Command.Check("stat", "-c", "%U:%G %a", "/usr/lib/knockknock-server/knockknock-worker").Trim(), Is.EqualTo("root:root 755"));
        Assert.That(Command.Check("stat", "-c", "%U:%G %a", "/usr/lib/knockknock-server/knockknock-daemon-run").Trim(), Is.EqualTo("root:root 755"));
        var check = Command.Run("/usr/sbin/knockknock-daemon", "check", "--config-dir", config.Path);
        Assert.That(check.StdOut + check.StdErr, Does.Not.Contain("knockknock-worker").And.Not.Contain("knockknock-daemon-run"), check.ToString());

        var unit = File.ReadAllText("/lib/systemd/system/" + Unit);
        Assert.That(unit, Does.Contain("\nExecStart=/usr/sbin/knockknock-daemon "));
        Assert.That(unit, Does.Contain("\nDocumentation=man:knockknock-daemon(8)"));
        Assert.That(File.ReadAllText("/etc/knockknock.d/config"), Is.EqualTo(File.ReadAllText(Repository.File("profiles", "config.example"))));
    }

    private static void CheckWhatPostinstDidAndDidNot()
    {
        var user = Command.Check("getent", "passwd", "knockknock").Trim().Split(':');
        Assert.That((user[5], user[6]), Is.EqualTo(("/nonexistent", "/usr/sbin/nologin")), "system user without home or shell");
        Assert.That(int.Parse(user[2], System.Globalization.CultureInfo.InvariantCulture), Is.LessThan(1000), "a system uid");
        Assert.That(Command.Run("getent", "group", "knockknock").ExitCode, Is.Zero, "its own group");

        // root:root 0755, never handed to the daemon user.
        Assert.That(Command.Check("stat", "-c", "%U:%G %a", "/var/lib/knockknock").Trim(), Is.EqualTo("root:root 755"));
        Assert.That(Command.Check("stat", "-c", "%U:%G %a", "/etc/knockknock.d/profiles").Trim(), Is.EqualTo("root:root 700"));
        Assert.That(Command.Check("getcap", "/usr/lib/knockknock/knockknock").Trim(), Is.EqualTo("/usr/lib/knockknock/knockknock cap_net_raw=ep"));

        // Installed, not enabled, not running (systemctl reads enablement without a running systemd).
        Assert.That(Command.Run("systemctl", "is-enabled", Unit).StdOut.Trim(), Is.EqualTo("disabled"));
        Assert.That(RunningInstalledDaemons(), Is.Empty, "postinst started no daemon");
    }

    /// <summary>Processes whose executable is the packaged daemon (other tests' daemons run from elsewhere).</summary>
    private static List<int> RunningInstalledDaemons()
    {
        var running = new List<int>();
        foreach (var process in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(process), out var pid))
            {
                try
                {
                    if (new FileInfo(Path.Combine(process, "exe")).LinkTarget == "/usr/lib/knockknock-server/knockknock-daemon")
                    {
                        running.Add(pid);
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Gone, or a kernel thread.
                }
            }
        }
        return running;
    }

    private static void CheckManPagesAndCompletion()
    {
        foreach (var (section, page) in new[] { ("1", "knockknock"), ("8", "knockknock-daemon"), ("8", "knockknock-genprofile"), ("8", "knockknock-minimal-firewall") })
        {
            var rendered = ManPageTests.Render(section, page);
            Assert.That((rendered.ExitCode, rendered.StdErr), Is.EqualTo((0, "")), $"man {section} {page}: {rendered}");
            Assert.That(rendered.StdOut, Does.Contain("EXIT STATUS"), $"man {section} {page}");
        }
        Assert.That(ManPageTests.Render("knockknock").StdOut, Does.Contain("--profile-dir"));

        using var home = new TempDirectory();
        Directory.CreateDirectory(home.Combine(".knockknock", "myserver"));
        Assert.That(
            BashCompletion.Complete("/usr/share/bash-completion/completions/knockknock", home.Path, home.Path, "knockknock", "-p", "22", ""),
            Is.EqualTo(new[] { "myserver" }));
    }

    /// <summary>
    /// nobody, with no capability of its own, sends a real knock (to loopback in a namespace of its
    /// own): the file capability works, and the binary, run in secure-execution mode (AT_SECURE),
    /// still finds the system's GNU Nettle.
    /// </summary>
    private static void CheckAnOrdinaryUserCanKnock()
    {
        using var dir = new TempDirectory();
        File.SetUnixFileMode(dir.Path, (UnixFileMode)0b111_101_101);
        var config = dir.Combine("server");
        Command.Check("/usr/sbin/knockknock-genprofile", "pkgtest", "7000", "--allow", "22", "--config-dir", config);
        var profile = dir.Combine("profile");
        Command.Check("cp", "-a", Path.Combine(config, "profiles", "pkgtest"), profile);
        Command.Check("chown", "-R", "nobody:nogroup", profile);
        var ns = $"kkpkg-{Environment.ProcessId}";
        Command.Check("ip", "netns", "add", ns);
        try
        {
            Command.Check("ip", "-n", ns, "link", "set", "lo", "up");
            var knock = Command.Run("ip", "netns", "exec", ns, "setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--inh-caps=-all",
                "/usr/bin/knockknock", "-p", "22", "127.0.0.1", "--profile-dir", profile);
            Assert.That((knock.ExitCode, knock.StdOut), Is.EqualTo((0, "Knock sent to 127.0.0.1:7000 for port 22\n")), knock.ToString());
        }
        finally
        {
            Command.Check("ip", "netns", "delete", ns);
        }
    }

    private static void CheckTheDemoKnocksWithTheInstalledCommands()
    {
        var demo = Command.Run(
            Repository.File("scripts", "demo.sh"),
            ["--installed"],
            TimeSpan.FromMinutes(3),
            new Dictionary<string, string> { ["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin" });
        TestContext.Out.WriteLine(demo.StdOut);
        Assert.That(demo.ExitCode, Is.Zero, demo.ToString());
        Assert.That(demo.StdOut, Does.Contain("using the installed commands: /usr/bin/knockknock, /usr/sbin/knockknock-daemon, /usr/sbin/knockknock-minimal-firewall"));
        Assert.That(demo.StdOut, Does.Contain(" runs as knockknock\n"), "the daemon dropped to the package's user");
        Assert.That(demo.StdOut, Does.Contain("demo passed"));
    }

    private void CheckReinstallKeepsAChangedConffileAndTheCapability()
    {
        const string line = "# changed by the administrator\n";
        File.AppendAllText("/etc/knockknock.d/config", line);
        Apt("install", "-y", "--reinstall", Deb(Server), Deb(Client));
        Assert.That(File.ReadAllText("/etc/knockknock.d/config"), Does.EndWith(line), "the conffile keeps the change");
        Assert.That(File.Exists("/etc/knockknock.d/config.dpkg-new"), Is.False);
        // dpkg replaced the client binary (dropping its capability); postinst set it again.
        Assert.That(Command.Check("getcap", "/usr/lib/knockknock/knockknock").Trim(), Does.EndWith("cap_net_raw=ep"));
    }

    private static void CheckNothingIsLeft(List<string> packaged)
    {
        foreach (var package in new[] { Server, Client })
        {
            var status = Command.Run("dpkg-query", "-W", "-f=${db:Status-Status}", package);
            Assert.That(status.ExitCode != 0 || status.StdOut == "not-installed", Is.True, $"{package}: {status}");
        }
        Assert.That(packaged, Does.Contain("/usr/lib/knockknock/knockknock"));
        // Every file and link the packages had, and every directory that was theirs alone.
        var left = packaged.Where(path => (Path.GetFileName(path).Contains("knockknock", StringComparison.Ordinal) || !Directory.Exists(path)) && Path.Exists(path)).ToList();
        Assert.That(left, Is.Empty, "left after purge");
        foreach (var path in new[] { "/etc/knockknock.d", "/var/lib/knockknock", "/usr/lib/knockknock", "/usr/lib/knockknock-server",
            "/var/lib/systemd/deb-systemd-helper-enabled/" + Unit + ".dsh-also", "/etc/systemd/system/multi-user.target.wants/" + Unit })
        {
            Assert.That(Path.Exists(path), Is.False, $"{path} left after purge");
        }
        Assert.That(RunningInstalledDaemons(), Is.Empty);
    }

    private static void Apt(params string[] arguments)
    {
        var result = Command.Run("apt-get", ["-o", "DPkg::Lock::Timeout=120", "-q", .. arguments], s_aptTimeout, s_aptEnvironment);
        Assert.That(result.ExitCode, Is.Zero, $"apt-get {string.Join(' ', arguments)}: {result}");
    }

    private string Field(string package, string field) => Command.Check("dpkg-deb", "--field", Deb(package), field).Trim();

    private List<string> Dependencies(string package) => Field(package, "Depends").Split(',', StringSplitOptions.TrimEntries).ToList();

    private static bool IsElf(string path)
    {
        using var file = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[4];
        return file.Read(magic) == 4 && magic.SequenceEqual("\u007fELF"u8);
    }

    [GeneratedRegex(@"\(NEEDED\)\s+Shared library: \[([^\]]+)\]")]
    private static partial Regex Needed();
}
