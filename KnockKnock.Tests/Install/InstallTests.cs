using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Install;

/// <summary>scripts/install.sh produces three working commands (NativeAOT, the daemon's long-running image and root worker beside them, no other file).</summary>
[TestFixture]
public sealed class InstallTests
{
    private static string? s_tempPrefix;

    /// <summary>The bin directory scripts/test.sh installed into, or a fresh install into a temp prefix.</summary>
    private static string BinDirectory()
    {
        if (Environment.GetEnvironmentVariable("KNOCKKNOCK_BIN_DIR") is { Length: > 0 } bin)
        {
            return bin;
        }
        if (s_tempPrefix is null)
        {
            s_tempPrefix = Directory.CreateTempSubdirectory("knockknock-install-").FullName;
            var result = Command.Run(Repository.File("scripts", "install.sh"), ["--prefix", s_tempPrefix], TimeSpan.FromMinutes(10));
            Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        }
        return Path.Combine(s_tempPrefix, "bin");
    }

    [OneTimeTearDown]
    public void RemoveTempPrefix()
    {
        if (s_tempPrefix is not null)
        {
            Directory.Delete(s_tempPrefix, recursive: true);
        }
    }

    [TestCase("knockknock")]
    [TestCase("knockknock-daemon")]
    [TestCase("knockknock-genprofile")]
    public void Each_command_is_installed_and_answers_version_and_help(string command)
    {
        var path = Path.Combine(BinDirectory(), command);
        Assert.That(File.Exists(path), Is.True, path);
        Assert.That(Command.Run(path, "--version").StdOut.Trim(), Is.EqualTo("1.0.0"));
        var help = Command.Run(path, "--help");
        Assert.That(help.ExitCode, Is.EqualTo(0));
        Assert.That(help.StdOut, Does.Contain("Usage:"));
    }

    [Test]
    public void The_installed_genprofile_creates_a_profile_and_refuses_a_bad_port_with_exit_2()
    {
        using var dir = new TempDirectory();
        var genprofile = Path.Combine(BinDirectory(), "knockknock-genprofile");
        var ok = Command.Run(genprofile, "srv", "7000", "--config-dir", dir.Path);
        Assert.That(ok.ExitCode, Is.EqualTo(0), ok.ToString());
        Assert.That(File.Exists(dir.Combine("profiles", "srv", "secret")), Is.True);
        var bad = Command.Run(genprofile, "srv2", "70000", "--config-dir", dir.Path);
        Assert.That((bad.ExitCode, bad.StdErr), Is.EqualTo((2, "knockknock-genprofile: invalid knock port '70000': use a port from 1 to 65535\n")));
    }

    [Test]
    public void The_installed_binaries_are_native_with_no_library_beside_them()
    {
        var real = new FileInfo(Path.Combine(BinDirectory(), "knockknock")).ResolveLinkTarget(returnFinalTarget: true)!.FullName;
        Assert.That(File.ReadAllBytes(real).AsSpan(0, 4).ToArray(), Is.EqualTo("\u007fELF"u8.ToArray()));
        Assert.That(
            Directory.EnumerateFiles(Path.GetDirectoryName(real)!).Select(Path.GetFileName).Order(StringComparer.Ordinal),
            Is.EqualTo(new[] { "knockknock", "knockknock-daemon", "knockknock-daemon-run", "knockknock-worker" }),
            "no native library beside them (libsodium went with NSec, libMonoPosixHelper with Mono.Posix)");
        Assert.That(File.Exists(Path.Combine(Path.GetDirectoryName(real)!, "knockknock.dll")), Is.False, "not a framework-dependent build");
    }
}
