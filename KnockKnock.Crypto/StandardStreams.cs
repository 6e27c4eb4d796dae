using System.Text;

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
    /// <summary>Standard output, flushed at every write.</summary>
    public static TextWriter Output { get; } = Open(1, "standard output");

    /// <summary>Standard error, flushed at every write.</summary>
    public static TextWriter Error { get; } = Open(2, "standard error");

    private static TextWriter Open(int fd, string name) =>
        TextWriter.Synchronized(new StreamWriter(new DescriptorStream(fd, name), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { AutoFlush = true });
}
