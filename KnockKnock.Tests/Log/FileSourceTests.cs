using System.Text;
using KnockKnock.Daemon.Log;

namespace KnockKnock.Tests.Log;

/// <summary>Following a syslog file the way logrotate and rsyslog treat it.</summary>
[TestFixture]
public sealed class FileSourceTests
{
    private string _dir = "";
    private string _path = "";

    [SetUp]
    public void SetUp()
    {
        _dir = Directory.CreateTempSubdirectory("knockknock-filesource-").FullName;
        _path = Path.Combine(_dir, "kern.log");
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static string Kernel(string message) => $"Nov 22 13:58:01 host kernel: [ 1234.5678] {message}\n";

    private void Append(string text) => File.AppendAllText(_path, text, Encoding.ASCII);

    [Test]
    public void Starts_at_the_end_and_delivers_appended_lines_in_order()
    {
        Append(Kernel("before 1") + Kernel("before 2"));
        using var source = new FileSource(_path);
        Append(Kernel("after 1"));
        using var runner = new SourceRunner(source);
        Assert.That(runner.WaitFor(1), Is.EqualTo(new[] { "after 1" }));
        Append(Kernel("after 2") + Kernel("after 3"));
        Assert.That(runner.WaitFor(3), Is.EqualTo(new[] { "after 1", "after 2", "after 3" }));
        Assert.That(source.LinesLost, Is.Zero);
    }

    [Test]
    public void Holds_a_partial_line_until_its_newline()
    {
        File.WriteAllText(_path, "");
        using var source = new FileSource(_path);
        using var runner = new SourceRunner(source);
        Append("Nov 22 13:58:01 host kernel: knockknock: SRC=198.18");
        Thread.Sleep(400);
        Assert.That(runner.Lines, Is.Empty);
        Append(".1.2 DPT=7000\n");
        Assert.That(runner.WaitFor(1), Is.EqualTo(new[] { "knockknock: SRC=198.18.1.2 DPT=7000" }));
    }

    [Test]
    public void Skips_lines_of_other_programs()
    {
        File.WriteAllText(_path, "");
        using var source = new FileSource(_path);
        Append("Nov 22 13:58:01 host sshd[12]: kernel: knockknock: forged\n" + Kernel("real"));
        using var runner = new SourceRunner(source);
        Assert.That(runner.WaitFor(1), Is.EqualTo(new[] { "real" }));
        Assert.That(source.OtherLines, Is.EqualTo(1));
    }

    [Test]
    public void Drains_the_renamed_file_then_reads_the_new_one_from_its_start()
    {
        File.WriteAllText(_path, Kernel("old"));
        using var source = new FileSource(_path);
        Append(Kernel("A"));
        File.Move(_path, _path + ".1");
        // The writer keeps appending to the renamed file until it is told to reopen.
        File.AppendAllText(_path + ".1", Kernel("B"));
        File.WriteAllText(_path, Kernel("C"));
        using var runner = new SourceRunner(source);
        Assert.That(runner.WaitFor(3), Is.EqualTo(new[] { "A", "B", "C" }));
        Assert.That(source.Rotations, Is.EqualTo(1));
    }

    [Test]
    public void Follows_rename_rotation_while_running()
    {
        File.WriteAllText(_path, "");
        using var source = new FileSource(_path);
        using var runner = new SourceRunner(source);
        Append(Kernel("A"));
        Assert.That(runner.WaitFor(1), Is.EqualTo(new[] { "A" }));
        File.Move(_path, _path + ".1");
        Thread.Sleep(300);
        File.WriteAllText(_path, Kernel("C"));
        Assert.That(runner.WaitFor(2), Is.EqualTo(new[] { "A", "C" }));
        Append(Kernel("D"));
        Assert.That(runner.WaitFor(3), Is.EqualTo(new[] { "A", "C", "D" }));
        Assert.That(source.Rotations, Is.EqualTo(1));
    }

    [Test]
    public void Rotation_drops_a_partial_last_line_instead_of_delivering_half_of_it()
    {
        File.WriteAllText(_path, "");
        using var source = new FileSource(_path);
        Append(Kernel("A") + "Nov 22 13:58:01 host kernel: half");
        File.Move(_path, _path + ".1");
        File.WriteAllText(_path, Kernel("C"));
        using var runner = new SourceRunner(source);
        Assert.That(runner.WaitFor(2), Is.EqualTo(new[] { "A", "C" }));
        Assert.That(source.CutLines, Is.EqualTo(1));
    }

    [Test]
    public void Copytruncate_restarts_at_the_beginning()
    {
        File.WriteAllText(_path, "");
        using var source = new FileSource(_path);
        using var runner = new SourceRunner(source);
        Append(Kernel("a fairly long line before the truncation"));
        Assert.That(runner.WaitFor(1), Has.Length.EqualTo(1));
        using (var stream = new FileStream(_path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            stream.SetLength(0);
        }

        Thread.Sleep(300);
        Append(Kernel("new"));
        Assert.That(runner.WaitFor(2), Is.EqualTo(new[] { "a fairly long line before the truncation", "new" }));
        Assert.That(source.Truncations, Is.EqualTo(1));
    }

    [Test]
    public void Waits_for_a_missing_file_then_reads_it_from_its_start()
    {
        using var source = new FileSource(_path);
        using var runner = new SourceRunner(source);
        Thread.Sleep(300);
        Assert.That(runner.Lines, Is.Empty);
        File.WriteAllText(_path, Kernel("first") + Kernel("second"));
        Assert.That(runner.WaitFor(2), Is.EqualTo(new[] { "first", "second" }));
    }

    [Test]
    public void Over_long_lines_are_skipped_and_counted()
    {
        File.WriteAllText(_path, "");
        using var source = new FileSource(_path);
        var longLine = Kernel("knockknock: " + new string('x', LogLineParser.MaxLineLength));
        var atLimit = "Nov 22 13:58:01 host kernel: " + new string('y', LogLineParser.MaxLineLength - 29) + "\n";
        Assert.That(atLimit, Has.Length.EqualTo(LogLineParser.MaxLineLength + 1));
        Append(longLine + Kernel("after") + new string('z', 3 * FileSource.BufferSize) + "\n" + atLimit + Kernel("end"));
        using var runner = new SourceRunner(source);
        var lines = runner.WaitFor(3);
        Assert.That(lines, Has.Length.EqualTo(3));
        Assert.That(lines[0], Is.EqualTo("after"));
        Assert.That(lines[1], Has.Length.EqualTo(LogLineParser.MaxLineLength - 29));
        Assert.That(lines[2], Is.EqualTo("end"));
        Assert.That(source.TooLongLines, Is.EqualTo(2));
    }

    [Test]
    public void Over_long_line_written_in_pieces_is_skipped()
    {
        File.WriteAllText(_path, "");
        using var source = new FileSource(_path);
        using var runner = new SourceRunner(source);
        Append("Nov 22 13:58:01 host kernel: " + new string('x', 3000));
        Thread.Sleep(250);
        Append(new string('x', 3000));
        Thread.Sleep(250);
        Append(new string('x', 3000) + "\n" + Kernel("next"));
        Assert.That(runner.WaitFor(1), Is.EqualTo(new[] { "next" }));
        Assert.That(source.TooLongLines, Is.EqualTo(1));
    }

    [Test]
    public void Many_lines_across_buffer_boundaries_arrive_whole_and_in_order()
    {
        File.WriteAllText(_path, "");
        using var source = new FileSource(_path);
        var text = new StringBuilder();
        for (var i = 0; i < 5000; i++)
        {
            text.Append(Kernel($"line {i}"));
        }

        Append(text.ToString());
        using var runner = new SourceRunner(source);
        var lines = runner.WaitFor(5000);
        Assert.That(lines, Is.EqualTo(Enumerable.Range(0, 5000).Select(i => $"line {i}").ToArray()));
    }

    [Test]
    public void Reading_allocates_nothing_per_line()
    {
        File.WriteAllText(_path, "");
        using var source = new FileSource(_path);
        var text = new StringBuilder();
        for (var i = 0; i < 20_000; i++)
        {
            text.Append(Kernel("knockknock: IN=veth0 SRC=198.18.1.2 " + i));
        }

        Append(text.ToString());
        long at1000 = -1, at20000 = -1;
        var count = 0;
        using var cancel = new CancellationTokenSource();
        var thread = new Thread(() => source.Run((_, _) =>
        {
            count++;
            if (count == 1000)
            {
                at1000 = GC.GetAllocatedBytesForCurrentThread();
            }
            else if (count == 20_000)
            {
                at20000 = GC.GetAllocatedBytesForCurrentThread();
                cancel.Cancel();
            }
        }, cancel.Token));
        thread.Start();
        Assert.That(thread.Join(10_000), Is.True);
        Assert.That(count, Is.EqualTo(20_000));
        Assert.That(at20000 - at1000, Is.Zero);
    }

    [Test]
    public void Cancellation_wakes_an_idle_source_quickly()
    {
        File.WriteAllText(_path, "");
        using var source = new FileSource(_path);
        var runner = new SourceRunner(source);
        Thread.Sleep(300);
        // Far less than never, with room for a loaded machine: the read waits 100 ms at a time.
        Assert.That(runner.Stop(), Is.LessThan(TimeSpan.FromSeconds(2)));
        runner.Dispose();
    }

    [Test]
    public void Dispose_from_another_thread_stops_Run_and_Run_refuses_afterwards()
    {
        File.WriteAllText(_path, "");
        var source = new FileSource(_path);
        using var runner = new SourceRunner(source);
        Thread.Sleep(300);
        source.Dispose();
        Assert.That(runner.Join(500), Is.True);
        Assert.That(runner.Failure, Is.Null);
        Assert.That(() => source.Run((_, _) => { }, CancellationToken.None), Throws.InstanceOf<ObjectDisposedException>());
    }

    [Test]
    public void Unreadable_path_is_an_environment_failure()
    {
        Directory.CreateDirectory(_path);
        using var source = new FileSource(_path);
        using var cancel = new CancellationTokenSource(2000);
        Assert.That(() => source.Run((_, _) => { }, cancel.Token), Throws.InstanceOf<IOException>().With.Message.Contains(_path));
    }
}
