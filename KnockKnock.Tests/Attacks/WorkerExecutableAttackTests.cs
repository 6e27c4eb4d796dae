using KnockKnock.Crypto.Profiles;
using KnockKnock.Crypto.Protocol;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Attacks;

/// <summary>
/// Root runs two executables from the directory of knockknock-daemon's own: the daemon's
/// long-running image, knockknock-daemon-run, which the command line execs, and the root worker,
/// knockknock-worker, which that image starts. Attack: a local user (the daemon's user among them)
/// who can change either file, or the directory that holds them, puts code there for root to run.
/// The daemon must refuse to start, before it creates anything, and never run the planted file.
/// </summary>
[TestFixture("knockknock-worker")]
[TestFixture("knockknock-daemon-run")]
[Category("Root")]
public sealed class WorkerExecutableAttackTests(string program)
{
    private TempDirectory _dir = null!;
    private NetworkNamespace _ns = null!;
    private string _bin = null!;

    [SetUp]
    public void SetUp()
    {
        Root.Require();
        _dir = new TempDirectory();
        _ns = NetworkNamespace.Create("wexe");
        Profile.Create(_dir.Combine("etc", "profiles", "p"), 7000, PortSet.All, bindSource: false);
        File.WriteAllText(_dir.Combine("etc", "config"), "[main]\nuser = nobody\n");
        // A copy of the installed daemon's directory, in a root-only directory of our own.
        _bin = _dir.Combine("bin");
        Directory.CreateDirectory(_bin);
        File.SetUnixFileMode(_bin, (UnixFileMode)0x1ED); // 0755
        var daemon = File.ResolveLinkTarget(Binaries.Daemon, returnFinalTarget: true)?.FullName ?? Binaries.Daemon;
        foreach (var file in Directory.GetFiles(Path.GetDirectoryName(daemon)!))
        {
            File.Copy(file, Path.Combine(_bin, Path.GetFileName(file)));
        }
    }

    [TearDown]
    public void TearDown()
    {
        _ns?.Dispose();
        _dir?.Dispose();
    }

    private string Worker => Path.Combine(_bin, program);

    private string Marker => _dir.Combine("planted-ran");

    /// <summary>Replaces the worker with a script that leaves a marker when run.</summary>
    private void Plant(UnixFileMode mode)
    {
        File.Delete(Worker);
        File.WriteAllText(Worker, $"#!/bin/sh\ntouch {Marker}\n");
        File.SetUnixFileMode(Worker, mode);
    }

    private void AssertRefused(string message)
    {
        var state = _dir.Combine("state");
        var result = _ns.Run(Path.Combine(_bin, "knockknock-daemon"), "--foreground", "--config-dir", _dir.Combine("etc"), "--state-dir", state, "--firewall", "nft");
        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Usage), result.ToString());
        Assert.That(result.StdErr, Is.EqualTo($"knockknock-daemon: {message}\n"));
        Assert.That(File.Exists(Marker), Is.False, "the planted worker ran");
        Assert.That(Directory.Exists(state), Is.False, "nothing was created");
    }

    [Test]
    public void A_worker_others_may_write_is_never_run_as_root()
    {
        Plant((UnixFileMode)0x1FF); // 0777
        AssertRefused($"{Worker} may be written by group or others: another user could redirect root through it (chmod go-w {Worker})");
    }

    [Test]
    public void A_worker_another_user_owns_is_never_run_as_root()
    {
        Plant((UnixFileMode)0x1ED);
        Command.Check("chown", "nobody", Worker);
        AssertRefused($"{Worker} belongs to uid 65534, not root: another user could redirect root through it (chown root {Worker}, or use another directory)");
    }

    [Test]
    public void A_worker_symlink_is_never_followed_by_root()
    {
        var elsewhere = _dir.Combine("elsewhere");
        File.Move(Worker, elsewhere);
        File.CreateSymbolicLink(Worker, elsewhere);
        AssertRefused($"{Worker} is not a regular file (a symlink: root does not follow symlinks here)");
    }

    [Test]
    public void A_worker_in_a_directory_others_may_write_is_never_run_as_root()
    {
        File.SetUnixFileMode(_bin, (UnixFileMode)0x1FF); // 0777, not sticky: anyone could swap the file
        AssertRefused($"{_bin} may be written by group or others: another user could redirect root through it (chmod go-w {_bin})");
    }

    [Test]
    public void A_worker_in_a_sticky_directory_others_may_write_is_never_run_as_root()
    {
        File.SetUnixFileMode(_bin, (UnixFileMode)0x3FF); // 01777, like /tmp
        AssertRefused($"{_bin} may be written by group or others: another user could redirect root through it (chmod go-w {_bin})");
    }

    [Test]
    public void A_worker_that_is_not_executable_is_refused_before_anything_is_created()
    {
        File.SetUnixFileMode(Worker, (UnixFileMode)0x1A4); // 0644
        AssertRefused($"{Worker} is not executable (chmod 0755 {Worker})");
    }

    [Test]
    public void Check_reports_a_worker_root_would_refuse()
    {
        Plant((UnixFileMode)0x1FF);
        var result = _ns.Run(Path.Combine(_bin, "knockknock-daemon"), "check", "--config-dir", _dir.Combine("etc"), "--firewall", "nft");
        Assert.That(result.ExitCode, Is.Not.EqualTo(ExitCodes.Ok), result.ToString());
        Assert.That(result.StdOut + result.StdErr, Does.Contain($"{Worker} may be written by group or others"));
        Assert.That(File.Exists(Marker), Is.False, "the planted worker ran");
    }

    [Test]
    public void A_missing_worker_is_a_one_line_error()
    {
        File.Delete(Worker);
        AssertRefused($"missing {Worker}");
    }
}
