using System.IO.Pipes;
using System.Runtime.InteropServices;
using System.Text;
using KnockKnock.Cli;
using KnockKnock.Crypto.Counters;
using KnockKnock.Crypto.Profiles;
using KnockKnock.Crypto.Protocol;
using KnockKnock.Tests.Client;
using KnockKnock.Tests.Support;
using Microsoft.Win32.SafeHandles;
using Tmds.Linux;

namespace KnockKnock.Tests.Output;

/// <summary>
/// The commands write through <see cref="StandardStreams"/>, not System.Console: no terminal mode
/// changes, write(2) at the descriptor's own offset, the console's tolerance of a vanished reader
/// and of a non-blocking descriptor, and closed standard descriptors taken over by /dev/null.
/// </summary>
[TestFixture]
public sealed class StandardStreamsTests
{
    [TestCase("knockknock", "--version")]
    [TestCase("knockknock", "--help")]
    [TestCase("knockknock", "-p", "0", "192.0.2.1")]
    [TestCase("knockknock-daemon", "--version")]
    [TestCase("knockknock-daemon", "--help")]
    [TestCase("knockknock-daemon", "check", "--help")]
    [TestCase("knockknock-daemon", "genprofile", "--help")]
    [TestCase("knockknock-daemon", "check", "--config-dir", "/nonexistent")]
    public void A_command_in_an_interactive_terminal_sends_it_no_escape_sequence(params string[] command)
    {
        // script(1) runs the command with stdin, stdout and stderr on a new pseudo-terminal and
        // copies what the command wrote to it. System.Console used to send "ESC [?1h ESC =" first.
        var binary = command[0] == "knockknock" ? Binaries.Client : Binaries.Daemon;
        var line = string.Join(' ', new[] { binary }.Concat(command[1..]).Select(arg => $"'{arg}'"));
        var result = Command.Run("/usr/bin/script", ["--quiet", "--return", "--command", line, "/dev/null"], closeInput: true);

        Assert.That(result.StdOut, Does.Not.Contain('\u001b'), result.ToString());
        Assert.That(result.StdOut.Trim(), Is.Not.Empty, "the command printed its line");
    }

    [Test]
    public void Help_wraps_at_80_columns_in_a_terminal()
    {
        var result = Command.Run("/usr/bin/script", ["--quiet", "--return", "--command", $"'{Binaries.Client}' --help", "/dev/null"], closeInput: true);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var lines = result.StdOut.Split("\r\n");
        Assert.That(lines, Has.Some.Contains("--dry-run"));
        Assert.That(lines.Max(l => l.Length), Is.LessThanOrEqualTo(StandardStreams.HelpWidth));
    }

    [Test]
    public void A_knock_started_without_stdin_stdout_and_stderr_still_stores_its_counter_cleanly()
    {
        using var home = new TempDirectory();
        var profile = ClientProfile.Create(home.Path, "127.0.0.1", 7009);
        using var child = ChildProcess.Start("exec-without-stdio", Binaries.Client, "-p", "22", "127.0.0.1", "--profile-dir", profile, "--dry-run", "-v");
        Assert.That(child.WaitForExit(TimeSpan.FromSeconds(30)), Is.True);

        Assert.That(child.ExitCode, Is.Zero);
        Assert.That(File.ReadAllBytes(Path.Combine(profile, "counter")), Is.EqualTo(CounterSlots.Record(1)), "the output went nowhere, least of all into the counter");
    }

    [Test]
    public void Two_streams_on_one_file_append_instead_of_overwriting_each_other()
    {
        using var directory = new TempDirectory();
        var path = directory.Combine("log");
        using var file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write);
        var fd = (int)file.DangerousGetHandle();
        using var duplicate = new SafeFileHandle(LibC.dup(fd), ownsHandle: true);
        Assert.That(duplicate.IsInvalid, Is.False);

        // Like `>log 2>&1`: two descriptors, one open file and one shared offset.
        using (var output = new DescriptorStream(fd, "standard output"))
        using (var error = new DescriptorStream((int)duplicate.DangerousGetHandle(), "standard error"))
        {
            output.Write("one\n"u8);
            error.Write("two\n"u8);
            output.Write("three\n"u8);
        }

        Assert.That(File.ReadAllText(path), Is.EqualTo("one\ntwo\nthree\n"));
    }

    [Test]
    public void A_reader_that_went_away_drops_the_output_instead_of_failing()
    {
        var reader = new AnonymousPipeServerStream(PipeDirection.In);
        using var writeEnd = reader.ClientSafePipeHandle;
        reader.Dispose();
        var fd = (int)writeEnd.DangerousGetHandle();
        Assert.That(Interop.Write(fd, "x"u8), Is.EqualTo((nint)(-1)));
        Assert.That(Marshal.GetLastPInvokeError(), Is.EqualTo(LibC.EPIPE), "the pipe has no reader");
        using var stream = new DescriptorStream(fd, "standard output");

        Assert.DoesNotThrow(() => stream.Write("Knock sent\n"u8));
    }

    [Test]
    public unsafe void A_terminal_that_hung_up_drops_the_output_instead_of_failing()
    {
        // A pseudo-terminal whose master side closed, as when a --foreground daemon's terminal goes.
        const int TIOCSPTLCK = 0x40045431;
        var TIOCGPTN = unchecked((int)0x80045430);
        int master, unlock = 0, number = 0;
        fixed (byte* path = "/dev/ptmx\0"u8)
        {
            master = LibC.open(path, LibC.O_RDWR | LibC.O_NOCTTY | LibC.O_CLOEXEC, 0);
        }
        Assert.That(master, Is.GreaterThan(2), "open /dev/ptmx");
        Assert.That(LibC.ioctl(master, TIOCSPTLCK, &unlock), Is.Zero);
        Assert.That(LibC.ioctl(master, TIOCGPTN, &number), Is.Zero);
        int terminal;
        fixed (byte* path = System.Text.Encoding.ASCII.GetBytes($"/dev/pts/{number}\0"))
        {
            terminal = LibC.open(path, LibC.O_WRONLY | LibC.O_NOCTTY | LibC.O_CLOEXEC, 0);
        }
        Assert.That(terminal, Is.GreaterThan(2), "open the terminal side");
        try
        {
            Assert.That(LibC.close(master), Is.Zero);
            Assert.That(Interop.Write(terminal, "x"u8), Is.EqualTo((nint)(-1)));
            Assert.That(Marshal.GetLastPInvokeError(), Is.EqualTo(LibC.EIO), "the terminal hung up");
            using var stream = new DescriptorStream(terminal, "standard error");

            Assert.DoesNotThrow(() => stream.Write("stopping\n"u8));
        }
        finally
        {
            _ = LibC.close(terminal);
        }
    }

    [Test]
    public void A_descriptor_not_open_for_writing_drops_the_output_instead_of_failing()
    {
        using var readOnly = File.OpenHandle("/dev/null", FileMode.Open, FileAccess.Read);
        using var stream = new DescriptorStream((int)readOnly.DangerousGetHandle(), "standard output");

        Assert.DoesNotThrow(() => stream.Write("Knock sent\n"u8));
    }

    [Test]
    public void A_full_non_blocking_pipe_is_waited_for_and_gets_every_byte()
    {
        using var reader = new AnonymousPipeServerStream(PipeDirection.In);
        var writeEnd = (int)reader.ClientSafePipeHandle.DangerousGetHandle();
        Assert.That(LibC.fcntl(writeEnd, LibC.F_SETFL, LibC.O_NONBLOCK), Is.Zero);
        var sent = new byte[1 << 20];
        Random.Shared.NextBytes(sent);
        var received = new MemoryStream();
        var draining = Task.Run(() =>
        {
            var buffer = new byte[4096];
            int count;
            while ((count = reader.Read(buffer)) > 0)
            {
                received.Write(buffer, 0, count);
                Thread.Sleep(count == buffer.Length ? 0 : 1);
            }
        });

        try
        {
            using var stream = new DescriptorStream(writeEnd, "standard output");
            stream.Write(sent);
        }
        finally
        {
            // The reader sees the end of the pipe only once this process's write end is closed.
            reader.DisposeLocalCopyOfClientHandle();
        }
        Assert.That(draining.Wait(TimeSpan.FromSeconds(30)), Is.True, "the reader saw the end of the pipe");

        Assert.That(received.ToArray(), Is.EqualTo(sent));
    }

    [Test]
    public void Any_other_write_error_is_a_failure_that_names_the_stream()
    {
        using var full = File.OpenHandle("/dev/full", FileMode.Open, FileAccess.Write);
        using var stream = new DescriptorStream((int)full.DangerousGetHandle(), "standard error");

        var error = Assert.Throws<ErrnoException>(() => stream.Write("x"u8));
        Assert.That(error!.Message, Is.EqualTo("write standard error: No space left on device"));
        Assert.That(error, Is.InstanceOf<IOException>(), "the command runners turn it into one line and exit 1");
    }

    [Test]
    public void The_writers_write_UTF8_without_a_byte_order_mark()
    {
        Assert.That(StandardStreams.Output.Encoding, Is.InstanceOf<UTF8Encoding>());
        Assert.That(StandardStreams.Output.Encoding.GetPreamble(), Is.Empty);
        Assert.That(StandardStreams.Error.Encoding.GetPreamble(), Is.Empty);
    }
}
