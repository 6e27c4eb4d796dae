using System.Globalization;
using System.Text;
using KnockKnock.Daemon.Log;

namespace KnockKnock.Tests.Log;

/// <summary>
/// A file source resumed at an earlier run's position: the same file goes on at the saved offset;
/// a rotated, truncated or replaced one is read from its start; a position of another path or a
/// broken one leaves it at the end. Lines read while catching up carry their age.
/// </summary>
[TestFixture]
public sealed class FileSourceResumeTests
{
    private string _dir = "";
    private string _path = "";

    [SetUp]
    public void SetUp()
    {
        _dir = Directory.CreateTempSubdirectory("knockknock-resume-").FullName;
        _path = Path.Combine(_dir, "kern.log");
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    /// <summary>A kernel line with the traditional syslog timestamp (local time, no year) of <paramref name="secondsAgo"/> seconds ago.</summary>
    private static string Kernel(string message, int secondsAgo = 0)
    {
        var time = DateTime.Now.AddSeconds(-secondsAgo);
        return string.Create(CultureInfo.InvariantCulture, $"{time:MMM} {time.Day,2} {time:HH:mm:ss} host kernel: {message}\n");
    }

    private void Append(string text) => File.AppendAllText(_path, text, Encoding.ASCII);

    /// <summary>The position a source opened now (at the end) would save.</summary>
    private string SavedNow()
    {
        using var source = new FileSource(_path);
        return source.Position!;
    }

    [Test]
    public void The_same_file_goes_on_at_the_saved_offset_and_catching_up_lines_carry_their_age()
    {
        Append(Kernel("before"));
        var saved = SavedNow();
        Append(Kernel("while stopped, old", secondsAgo: 120) + Kernel("while stopped, new"));
        using var source = new FileSource(_path);
        var resumed = source.Resume(saved);
        Assert.That(resumed.IsWarning, Is.False);
        Assert.That(resumed.Message, Does.StartWith($"resuming {_path} at byte "));
        using var runner = new SourceRunner(source);
        Assert.That(runner.WaitFor(2), Is.EqualTo(new[] { "while stopped, old", "while stopped, new" }));
        Thread.Sleep(300);
        Append(Kernel("after the start"));
        runner.WaitFor(3);
        var records = runner.Records;
        Assert.That(records[0].Age!.Value.TotalSeconds, Is.EqualTo(120).Within(3));
        Assert.That(records[1].Age!.Value.TotalSeconds, Is.LessThan(3));
        Assert.That(records[2], Is.EqualTo(("after the start", (TimeSpan?)null)));
    }

    [Test]
    public void A_line_without_a_readable_time_is_as_old_as_can_be()
    {
        Append(Kernel("before"));
        var saved = SavedNow();
        Append("Feb 30 10:00:00 host kernel: no such day\n");
        using var source = new FileSource(_path);
        source.Resume(saved);
        using var runner = new SourceRunner(source);
        runner.WaitFor(1);
        Assert.That(runner.Records, Is.EqualTo(new[] { ("no such day", (TimeSpan?)TimeSpan.MaxValue) }));
    }

    [Test]
    public void A_file_rotated_while_stopped_is_read_from_its_start()
    {
        Append(Kernel("before"));
        var saved = SavedNow();
        Append(Kernel("lost with the old file"));
        File.Move(_path, _path + ".1");
        Append(Kernel("in the new file"));
        using var source = new FileSource(_path);
        var resumed = source.Resume(saved);
        Assert.That(resumed.Message, Does.Contain("rotated while the daemon was not running"));
        using var runner = new SourceRunner(source);
        Assert.That(runner.WaitFor(1), Is.EqualTo(new[] { "in the new file" }));
        Assert.That(runner.Records.Single().Age, Is.Not.Null);
    }

    [Test]
    public void A_file_truncated_while_stopped_is_read_from_its_start()
    {
        Append(Kernel("a long line that makes the saved offset larger than the new file"));
        var saved = SavedNow();
        File.WriteAllText(_path, Kernel("short"));
        using var source = new FileSource(_path);
        Assert.That(source.Resume(saved).Message, Does.Contain("is shorter than the saved position"));
        using var runner = new SourceRunner(source);
        Assert.That(runner.WaitFor(1), Is.EqualTo(new[] { "short" }));
    }

    [Test]
    public void A_file_replaced_under_the_same_inode_is_read_from_its_start()
    {
        Append(Kernel("first"));
        var saved = SavedNow();
        // Rewritten in place (same inode), longer than the saved offset, but with another first line.
        using (var file = new FileStream(_path, FileMode.Open, FileAccess.Write))
        {
            file.Write(Encoding.ASCII.GetBytes(Kernel("other first") + Kernel("second")));
        }
        using var source = new FileSource(_path);
        Assert.That(source.Resume(saved).Message, Does.Contain("starts with another line than at the saved position"));
        using var runner = new SourceRunner(source);
        Assert.That(runner.WaitFor(2), Is.EqualTo(new[] { "other first", "second" }));
    }

    [Test]
    public void A_position_of_another_file_or_a_broken_one_is_a_warning_and_reading_starts_at_the_end()
    {
        var other = Path.Combine(_dir, "syslog");
        File.WriteAllText(other, Kernel("elsewhere"));
        string foreign;
        using (var source = new FileSource(other))
        {
            foreign = source.Position!;
        }
        Append(Kernel("before"));
        foreach (var saved in new[] { foreign, "file broken", "kmsg 0123456789abcdef0123456789abcdef 1" })
        {
            using var source = new FileSource(_path);
            var resumed = source.Resume(saved);
            Assert.That(resumed.IsWarning, Is.True, saved);
            Assert.That(resumed.Message, Does.Contain($"reading {_path} from its end"));
        }
    }

    [Test]
    public void The_position_ends_at_the_last_whole_line()
    {
        Append(Kernel("whole"));
        var whole = new FileInfo(_path).Length;
        using var source = new FileSource(_path);
        using var runner = new SourceRunner(source);
        Append(Kernel("second") + "Nov 22 13:58:01 host kernel: partial");
        runner.WaitFor(1);
        Thread.Sleep(200);
        runner.Stop();
        Assert.That(FilePosition.TryParse(source.Position!, out var position), Is.True);
        Assert.That(position.Offset, Is.EqualTo(whole + Kernel("second").Length));
    }
}
