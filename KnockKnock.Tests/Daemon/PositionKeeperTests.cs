using KnockKnock.Daemon;
using KnockKnock.Daemon.Host;
using KnockKnock.Daemon.Log;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Daemon;

/// <summary>
/// Keeping the log position: what is read back decides where the source resumes, with one log line;
/// saves come at the start, after a knock opened, after an interval, and at the stop; a failing
/// disk is logged once, knocks go on.
/// </summary>
[TestFixture]
public sealed class PositionKeeperTests
{
    /// <summary>A source that records what it was asked to resume from and reports a settable position.</summary>
    private sealed class FakeSource : ILogSource
    {
        public List<string?> Resumed { get; } = [];

        public string? Position { get; set; } = "kmsg 0123456789abcdef0123456789abcdef 1";

        public Resumption Answer { get; set; } = Resumption.Info("resumed as asked");

        public long LinesLost => 0;

        public string Counters => "";

        public Resumption Resume(string? saved)
        {
            Resumed.Add(saved);
            return Answer;
        }

        public void Run(LineHandler handler, CancellationToken cancellationToken) => throw new NotSupportedException();

        public void Dispose()
        {
        }
    }

    private TempDirectory _dir = null!;
    private StringWriter _log = null!;
    private FakeSource _source = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = new TempDirectory();
        _log = new StringWriter();
        _source = new FakeSource();
    }

    [TearDown]
    public void TearDown() => _dir.Dispose();

    private string Saved => File.ReadAllText(_dir.Combine(PositionFile.FileName));

    private PositionKeeper Resume() => PositionKeeper.Resume(_source, _dir.Path, DaemonLog.ToWriter(_log));

    [Test]
    public void The_saved_position_is_handed_to_the_source_which_says_what_it_did_and_the_start_is_saved()
    {
        File.WriteAllText(_dir.Combine(PositionFile.FileName), "kmsg 0123456789abcdef0123456789abcdef 0\n");
        using var keeper = Resume();
        Assert.That(_source.Resumed, Is.EqualTo(new[] { "kmsg 0123456789abcdef0123456789abcdef 0" }));
        Assert.That(_log.ToString(), Is.EqualTo("knockknock-daemon: resumed as asked\n"));
        Assert.That(Saved, Is.EqualTo("kmsg 0123456789abcdef0123456789abcdef 1\n"));
    }

    [Test]
    public void A_source_that_cannot_use_the_position_is_one_warning()
    {
        _source.Answer = Resumption.Warning("not mine");
        using var keeper = Resume();
        Assert.That(_log.ToString(), Is.EqualTo("knockknock-daemon: warning: not mine\n"));
    }

    [Test]
    public void A_damaged_position_file_is_one_warning_and_the_source_starts_at_the_end()
    {
        File.WriteAllText(_dir.Combine(PositionFile.FileName), "\u001b[2J\n");
        using var keeper = Resume();
        Assert.That(_source.Resumed, Is.EqualTo(new string?[] { null }));
        Assert.That(_log.ToString(), Is.EqualTo($"knockknock-daemon: warning: the saved log position {_dir.Combine(PositionFile.FileName)} is unusable (it is not one line of printable ASCII of at most 512 bytes): reading the log from its end; knocks sent while the daemon was not running are not opened\n"));
        Assert.That(Saved, Is.EqualTo("kmsg 0123456789abcdef0123456789abcdef 1\n"), "the damaged file is replaced by where this run starts");
    }

    [Test]
    public void After_a_knock_opened_the_next_line_saves_and_otherwise_only_the_interval_does()
    {
        using var keeper = Resume();
        _source.Position = "kmsg 0123456789abcdef0123456789abcdef 2";
        keeper.AfterLine();
        Assert.That(Saved, Does.EndWith(" 1\n"), "neither asked nor due");
        keeper.Request();
        keeper.AfterLine();
        Assert.That(Saved, Does.EndWith(" 2\n"));
        _source.Position = "kmsg 0123456789abcdef0123456789abcdef 3";
        keeper.Save();
        Assert.That(Saved, Does.EndWith(" 3\n"), "at the stop");
    }

    [Test]
    public void A_failing_save_is_logged_once_and_its_end_once()
    {
        using var keeper = Resume();
        // The temporary file's name taken by a directory: every save fails (EISDIR) until it goes.
        Directory.CreateDirectory(_dir.Combine("position.tmp"));
        for (var i = 2; i < 5; i++)
        {
            _source.Position = $"kmsg 0123456789abcdef0123456789abcdef {i}";
            keeper.Save();
        }
        Assert.That(_log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(2));
        Assert.That(_log.ToString(), Does.Contain("knockknock-daemon: error: cannot save the log position (knocks sent while the daemon restarts may be lost): open "));
        Directory.Delete(_dir.Combine("position.tmp"));
        keeper.Save();
        Assert.That(_log.ToString(), Does.EndWith("knockknock-daemon: the log position is saved again\n"));
        Assert.That(Saved, Does.EndWith(" 4\n"));
    }
}
