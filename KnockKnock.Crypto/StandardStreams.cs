using System.Text;
using Tmds.Linux;

namespace KnockKnock.Crypto;

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
    /// which an inherited descriptor cannot be, since exec closed any that were. Either way the
    /// command's text for that stream goes nowhere.
    /// </summary>
    static StandardStreams()
    {
        Span<bool> inherited = stackalloc bool[3];
        for (var fd = 0; fd <= 2; fd++)
        {
            var flags = Interop.DescriptorFlags(fd);
            if (flags is null)
            {
                OpenDevNull(fd);
            }
            inherited[fd] = flags is { } open && (open & LibC.FD_CLOEXEC) == 0;
        }
        Output = inherited[1] ? Open(1, "standard output") : TextWriter.Null;
        Error = inherited[2] ? Open(2, "standard error") : TextWriter.Null;
    }

    /// <summary>Standard output, flushed at every write.</summary>
    public static TextWriter Output { get; }

    /// <summary>Standard error, flushed at every write.</summary>
    public static TextWriter Error { get; }

    private static TextWriter Open(int fd, string name) =>
        TextWriter.Synchronized(new StreamWriter(new DescriptorStream(fd, name), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { AutoFlush = true });

    private static unsafe void OpenDevNull(int fd)
    {
        int opened;
        fixed (byte* path = "/dev/null\0"u8)
        {
            // open(2) returns the lowest free descriptor: the lower ones are open by now, so it is fd.
            opened = LibC.open(path, LibC.O_RDWR, 0);
        }
        if (opened != fd)
        {
            throw KnockKnockException.Failure($"descriptor {fd} was closed at start and /dev/null could not take its place");
        }
    }
}
