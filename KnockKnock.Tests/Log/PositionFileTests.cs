using System.Text;
using KnockKnock.Daemon.Log;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Log;

/// <summary>
/// STATE/daemon/position: saved durably and atomically, read back as untrusted input (the daemon
/// user writes it): a missing file is no position, anything but one short line of printable ASCII
/// in a regular file is a problem, never an exception.
/// </summary>
[TestFixture]
public sealed class PositionFileTests
{
    private TempDirectory _dir = null!;
    private PositionFile _file = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = new TempDirectory();
        _file = PositionFile.Open(_dir.Path);
    }

    [TearDown]
    public void TearDown()
    {
        _file.Dispose();
        _dir.Dispose();
    }

    private string Path => _dir.Combine(PositionFile.FileName);

    [Test]
    public void No_file_is_no_position()
    {
        Assert.That(_file.TryRead(out var position, out var problem), Is.True, problem);
        Assert.That(position, Is.Null);
    }

    [Test]
    public void A_saved_position_reads_back_and_a_second_save_replaces_it_leaving_no_temporary_file()
    {
        _file.Save("kmsg 0123456789abcdef0123456789abcdef 1");
        _file.Save("kmsg 0123456789abcdef0123456789abcdef 2");
        Assert.That(_file.TryRead(out var position, out _), Is.True);
        Assert.That(position, Is.EqualTo("kmsg 0123456789abcdef0123456789abcdef 2"));
        Assert.That(File.ReadAllText(Path), Is.EqualTo("kmsg 0123456789abcdef0123456789abcdef 2\n"));
        Assert.That(Directory.GetFileSystemEntries(_dir.Path).Select(System.IO.Path.GetFileName), Is.EqualTo(new[] { PositionFile.FileName }));
        Assert.That(File.GetUnixFileMode(Path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
    }

    [TestCase("")]
    [TestCase("\n")]
    [TestCase("no newline")]
    [TestCase("two\nlines\n")]
    [TestCase("a tab\there\n")]
    [TestCase("escape \u001b[31m\n")]
    [TestCase("latin1 \u00e9\n")]
    public void Anything_but_one_line_of_printable_ASCII_is_a_problem(string content)
    {
        File.WriteAllBytes(Path, Encoding.Latin1.GetBytes(content));
        Assert.That(_file.TryRead(out var position, out var problem), Is.False);
        Assert.That(position, Is.Null);
        Assert.That(problem, Does.Contain("printable ASCII"));
    }

    [Test]
    public void A_long_file_is_a_problem_and_is_not_read_whole()
    {
        File.WriteAllText(Path, new string('x', 1 << 20) + "\n");
        Assert.That(_file.TryRead(out _, out var problem), Is.False);
        Assert.That(problem, Does.Contain($"at most {PositionFile.MaxLength} bytes"));
    }

    [Test]
    public void A_symlink_is_not_followed()
    {
        File.WriteAllText(_dir.Combine("elsewhere"), "kmsg 0123456789abcdef0123456789abcdef 1\n");
        File.CreateSymbolicLink(Path, _dir.Combine("elsewhere"));
        Assert.That(_file.TryRead(out _, out var problem), Is.False);
        Assert.That(problem, Is.EqualTo("it is a symlink"));
    }

    [Test]
    public void A_fifo_or_a_directory_is_a_problem_and_does_not_block()
    {
        Command.Check("mkfifo", Path);
        Assert.That(_file.TryRead(out _, out var problem), Is.False);
        Assert.That(problem, Is.EqualTo("it is not a regular file"));
        File.Delete(Path);
        Directory.CreateDirectory(Path);
        Assert.That(_file.TryRead(out _, out problem), Is.False);
        Assert.That(problem, Is.EqualTo("it is not a regular file"));
    }

    [TestCase("")]
    [TestCase("two\nlines")]
    public void Saving_anything_but_one_line_is_a_bug(string position)
        => Assert.That(() => _file.Save(position), Throws.ArgumentException);
}
