using KnockKnock.Crypto.Profiles;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Client;

/// <summary>
/// The knock's crypto library, GNU Nettle (libnettle.so.8), missing or too old: the client says so
/// in one line and exits 1 before it uses a counter, and the daemon's check lists it as a problem,
/// instead of an unhandled exception and an abort (review of 4ea0722, finding 1).
/// </summary>
[TestFixture]
public sealed class CryptoLibraryTests
{
    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    /// <summary>
    /// Why Nettle: OpenSSL's load and start cost a knock 6 - 9 ms (docs/PERFORMANCE.md, section 3).
    /// On a machine with AES-NI a knock loads libnettle and neither libssl nor libcrypto (the dynamic
    /// loader's own record, LD_DEBUG=files, of every library mapped, dlopen included).
    /// </summary>
    [Test]
    public void A_knock_on_an_AES_NI_machine_loads_Nettle_and_never_OpenSSL()
    {
        Assume.That(System.Runtime.Intrinsics.X86.Aes.IsSupported, "without AES-NI a knock takes OpenSSL's constant-time AES on purpose");
        var profile = ClientProfile.Create(_dir.Path, "host", 7000, protocol: 2);

        var result = Command.Run(Binaries.Client, ["-p", "22", "127.0.0.1", "--profile-dir", profile, "--dry-run"], environment: new Dictionary<string, string> { ["LD_DEBUG"] = "files" });

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Ok), result.ToString());
        Assert.That(result.StdErr, Does.Contain("file=libnettle.so.8"));
        Assert.That(result.StdErr, Does.Not.Contain("libssl.so").And.Not.Contain("libcrypto.so"));
    }

    [Test]
    public void A_client_with_a_libnettle_that_lacks_HKDF_exits_1_in_one_line_and_keeps_its_counter()
    {
        var profile = ClientProfile.Create(_dir.Path, "host", 7000, protocol: 2);
        var before = ClientProfile.Snapshot(profile);

        var result = Command.Run(Binaries.Client, ["-p", "22", "127.0.0.1", "--profile-dir", profile, "--dry-run"], environment: OlderNettle());

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Failure), result.ToString());
        var lines = result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1), result.ToString());
        Assert.That(lines[0], Does.StartWith("knockknock: cannot use libnettle.so.8").And.Contain("libnettle8").And.Contain("nettle_"));
        Assert.That(ClientProfile.Snapshot(profile), Is.EqualTo(before));
    }

    /// <summary>
    /// libnettle is loaded by its soname, which ld.so looks up in its cache and the system's
    /// directories: a library planted beside the executable (a directory its user may own, in a
    /// source install) is never the one loaded, by the client or by the daemon (which loads it as root).
    /// </summary>
    [Test]
    public void A_libnettle_planted_beside_the_client_is_never_loaded()
    {
        var profile = ClientProfile.Create(_dir.Path, "host", 7000, protocol: 2);
        var beside = CopyBesidePlantedNettle(Binaries.Client);

        var result = Command.Run(Path.Combine(beside, "knockknock"), ["-p", "22", "127.0.0.1", "--profile-dir", profile, "--dry-run"], environment: new Dictionary<string, string> { ["LD_DEBUG"] = "files" });

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Ok), result.ToString());
        Assert.That(result.StdErr, Does.Contain("file=libnettle.so.8").And.Not.Contain(beside + "/libnettle.so.8"));
    }

    [Test]
    public void A_libnettle_planted_beside_the_daemon_is_never_loaded()
    {
        var config = _dir.Combine("config");
        Profile.Create(Path.Combine(config, "profiles", "host"), 7000, PortSet.Parse("22"), bindSource: false, protocol: 2);
        File.WriteAllText(Path.Combine(config, "config"), "[main]\nuser = nobody\n");
        var beside = CopyBesidePlantedNettle(Binaries.Daemon);

        var result = Command.Run(Path.Combine(beside, "knockknock-daemon"), ["check", "--config-dir", config, "--log-source", "kmsg"], environment: new Dictionary<string, string> { ["LD_DEBUG"] = "files" });

        Assert.That(result.StdOut + result.StdErr, Does.Not.Contain("cannot use libnettle.so.8"));
        Assert.That(result.StdErr, Does.Contain("file=libnettle.so.8").And.Not.Contain(beside + "/libnettle.so.8"));
    }

    /// <summary>
    /// A copy of the directory <paramref name="executable"/> was built into (an install's bin/ holds
    /// links to it; a JIT build's apphost needs its assemblies), with the stub libnettle.so.8 of
    /// <see cref="OlderNettleDirectory"/> beside it; returns the copy's path.
    /// </summary>
    private string CopyBesidePlantedNettle(string executable)
    {
        var beside = _dir.Combine("bin");
        Directory.CreateDirectory(beside);
        var built = File.ResolveLinkTarget(executable, returnFinalTarget: true)?.FullName ?? executable;
        foreach (var file in Directory.GetFiles(Path.GetDirectoryName(built)!))
        {
            File.Copy(file, Path.Combine(beside, Path.GetFileName(file)));
        }
        File.Copy(Path.Combine(OlderNettleDirectory(), "libnettle.so.8"), Path.Combine(beside, "libnettle.so.8"));
        return beside;
    }

    [Test]
    public void The_daemon_check_names_a_libnettle_that_lacks_HKDF_as_a_problem()
    {
        var config = _dir.Combine("config");
        Profile.Create(Path.Combine(config, "profiles", "host"), 7000, PortSet.Parse("22"), bindSource: false, protocol: 2);
        File.WriteAllText(Path.Combine(config, "config"), "[main]\nuser = nobody\n");

        var result = Command.Run(Binaries.Daemon, ["check", "--config-dir", config, "--log-source", "kmsg"], environment: OlderNettle());

        Assert.That(result.ExitCode, Is.Not.Zero, result.ToString());
        Assert.That(result.StdOut + result.StdErr, Does.Contain("cannot use libnettle.so.8").And.Not.Contain("Unhandled exception"));
    }

    /// <summary>An environment whose libnettle.so.8 has AES but none of the HMAC and HKDF functions.</summary>
    private Dictionary<string, string> OlderNettle() => new() { ["LD_LIBRARY_PATH"] = OlderNettleDirectory() };

    /// <summary>A directory holding a stub libnettle.so.8, built here, with AES but none of the HMAC and HKDF functions.</summary>
    private string OlderNettleDirectory()
    {
        var source = _dir.Combine("stub.c");
        File.WriteAllText(source, "void nettle_aes256_encrypt(void) {}\n");
        var library = _dir.Combine("lib");
        Directory.CreateDirectory(library);
        Command.Check("clang-14", "-shared", "-fPIC", "-Wl,-soname,libnettle.so.8", "-o", Path.Combine(library, "libnettle.so.8"), source);
        return library;
    }
}
