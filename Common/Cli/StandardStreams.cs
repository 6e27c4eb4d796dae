using System.Text;
using Tmds.Linux;

namespace KnockKnock.Cli;

/// <summary>
/// The commands' standard output and error: UTF-8 text written straight to descriptors 1 and 2.
/// Not System.Console, because its first write, when standard input is a terminal, loads terminfo
/// and switches the terminal to keypad-transmit mode (ESC [?1h ESC =) and nothing switches it back
/// (dotnet/corefx#32805): a knock typed in a shell would leave that shell's keypad changed. Not a
/// FileStream over the descriptor either: on a regular file it writes with pwrite at an offset it
/// tracks itself, so with both streams redirected to one file they would overwrite each other.
/// </summary>
public static class StandardStreams
{
    /// <summary>
    /// The width help text wraps at. Fixed, because System.CommandLine measures the terminal through
    /// System.Console unless it is told a width.
    /// </summary>
    public const int HelpWidth = 80;

    /// <summary>
    /// Runs first thing in Main, when Output or Error is first used. A standard descriptor that the
    /// command was started without is either still free, and gets /dev/null so that no file the
    /// command opens later (a counter, a pidfile) can take its number, or already taken by a
    /// descriptor the runtime opened before Main, such as its signal pipe. Those are close-on-exec,
    /// which an inherited descriptor cannot be (exec closed any that were), and get no output.
    /// </summary>
    static StandardStreams()
    {
        PlugClosedDescriptors();
        Output = IsInherited(1) ? Open(1, "standard output") : TextWriter.Null;
        Error = IsInherited(2) ? Open(2, "standard error") : TextWriter.Null;
    }

    /// <summary>Standard output, flushed at every write.</summary>
    public static TextWriter Output { get; }

    /// <summary>Standard error, flushed at every write.</summary>
    public static TextWriter Error { get; }

    private static TextWriter Open(int fd, string name) =>
        TextWriter.Synchronized(new StreamWriter(new DescriptorStream(fd, name), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { AutoFlush = true });

    private static bool IsInherited(int fd) => Interop.DescriptorFlags(fd) is { } flags && (flags & LibC.FD_CLOEXEC) == 0;

    /// <summary>Opens /dev/null until it lands above 2: each open takes the lowest free number.</summary>
    private static void PlugClosedDescriptors()
    {
        while (true)
        {
            var devNull = Interop.Open("/dev/null", LibC.O_RDWR);
            if (devNull.Fd > 2)
            {
                devNull.Dispose();
                return;
            }
            // Now standard input, output or error for good: never closed.
            devNull.SetHandleAsInvalid();
        }
    }
}
