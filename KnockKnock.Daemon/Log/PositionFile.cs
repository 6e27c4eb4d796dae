using System.Text;
using Tmds.Linux;

namespace KnockKnock.Daemon.Log;

/// <summary>
/// STATE/daemon/position: one line, the log source's <see cref="ILogSource.Position"/>, so that the
/// next run resumes where this one stopped (README, "Restarts"). The daemon user writes it after the
/// privilege drop, in its own directory, durably: a temporary file, fsync, rename over the old one,
/// fsync of the directory; a crash leaves the old line or the new one. The next run reads it back,
/// also as the daemon user, as untrusted input (a compromised daemon may have written anything):
/// no symlink is followed, no FIFO opened blocking, and only a regular file of at most
/// <see cref="MaxLength"/> bytes holding one line of printable ASCII is taken; the source then parses
/// that line strictly. Anything else is a problem to warn about, never a crash.
/// </summary>
internal sealed class PositionFile : IDisposable
{
    public const string FileName = "position";
    public const int MaxLength = 512;
    private const string TemporaryName = "position.tmp";
    private const uint OwnerOnly = 0x180; // 0600

    private readonly FileDescriptorHandle _directory;
    private readonly string _directoryPath;

    private PositionFile(FileDescriptorHandle directory, string directoryPath)
    {
        _directory = directory;
        _directoryPath = directoryPath;
    }

    public string Path => $"{_directoryPath}/{FileName}";

    /// <summary>Opens the directory that holds the file (the daemon's own, STATE/daemon), without following a symlink.</summary>
    public static PositionFile Open(string directory)
        => new(Interop.Open(directory, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC), directory);

    /// <summary>
    /// The saved line, without its newline, or null when none was saved; false, with what is wrong,
    /// when the file is anything but such a line.
    /// </summary>
    public bool TryRead(out string? position, out string problem)
    {
        position = null;
        problem = "";
        if (!Interop.TryOpenAt(_directory, FileName, LibC.O_RDONLY | LibC.O_NOFOLLOW | LibC.O_NONBLOCK | LibC.O_CLOEXEC, 0, out var file, out var errno))
        {
            if (errno == LibC.ENOENT)
            {
                return true;
            }
            problem = errno == LibC.ELOOP ? "it is a symlink" : System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno);
            return false;
        }
        using (file)
        {
            if (Interop.Stat(file, Path).Type != StatxBuffer.Regular)
            {
                problem = "it is not a regular file";
                return false;
            }
            Span<byte> bytes = stackalloc byte[MaxLength + 1];
            var length = 0;
            while (length < bytes.Length)
            {
                var read = Interop.Pread(file, bytes[length..], length, Path);
                if (read == 0)
                {
                    break;
                }
                length += read;
            }
            var text = bytes[..length];
            if (length > MaxLength || length < 2 || text[^1] != (byte)'\n' || text[..^1].IndexOfAnyExceptInRange((byte)' ', (byte)'~') >= 0)
            {
                problem = $"it is not one line of printable ASCII of at most {MaxLength} bytes";
                return false;
            }
            position = Encoding.ASCII.GetString(text[..^1]);
            return true;
        }
    }

    /// <summary>Replaces the saved line durably; an <see cref="IOException"/> when the disk refuses (nothing changed then).</summary>
    public void Save(string position)
    {
        if (position.Length is 0 or >= MaxLength || position.Any(c => c is < ' ' or > '~'))
        {
            throw new ArgumentException("A position is one line of printable ASCII.", nameof(position));
        }
        var temporary = $"{_directoryPath}/{TemporaryName}";
        if (!Interop.TryOpenAt(_directory, TemporaryName, LibC.O_WRONLY | LibC.O_CREAT | LibC.O_TRUNC | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, OwnerOnly, out var file, out var errno))
        {
            throw Interop.Error("open", temporary, errno);
        }
        using (file)
        {
            if (!Interop.TryPwrite(file, Encoding.ASCII.GetBytes(position + "\n"), 0, out errno))
            {
                throw Interop.Error("write", temporary, errno);
            }
            Interop.Fsync(file, temporary);
        }
        Interop.RenameAt(_directory, TemporaryName, FileName, _directoryPath);
        Interop.Fsync(_directory, _directoryPath);
    }

    public void Dispose() => _directory.Dispose();
}
