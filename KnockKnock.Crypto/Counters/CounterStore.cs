using System.Globalization;
using System.Text;
using Tmds.Linux;

namespace KnockKnock.Crypto.Counters;

/// <summary>
/// A profile's 64-bit knock counter in a one-line decimal file (docs/PROTOCOL.md, "Counters").
/// Every change is read-modify-write under an exclusive flock on the counter's directory, written to
/// a temp file, fsynced, renamed over the old file and followed by an fsync of the directory, so a
/// crash leaves the old or the new value and two processes never see the same one. A missing or
/// corrupt file is an error: a reset to 0 would re-accept every old knock.
/// </summary>
public sealed class CounterStore : IDisposable
{
    public const string FileName = "counter";
    private const string TempFileName = "counter.tmp";
    private const int MaxFileSize = 32;

    private readonly FileDescriptorHandle _directory;
    private readonly string _directoryPath;
    private readonly string _tempPath;
    private readonly uint _owner;

    private CounterStore(string directory, uint owner)
    {
        _directoryPath = directory;
        Path = System.IO.Path.Combine(directory, FileName);
        _tempPath = System.IO.Path.Combine(directory, TempFileName);
        _owner = owner;
        _directory = Interop.Open(directory, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC | LibC.O_NOFOLLOW);
    }

    /// <summary>The counter file's path.</summary>
    public string Path { get; }

    /// <summary>Opens the counter in <paramref name="directory"/>, whose files <paramref name="owner"/> must own.</summary>
    public static CounterStore Open(string directory, uint owner)
    {
        ArgumentNullException.ThrowIfNull(directory);
        FileSafety.CheckDirectory(directory, owner);
        var store = new CounterStore(directory, owner);
        try
        {
            store.Read();
            return store;
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>Creates a counter file holding <paramref name="value"/>, owned by the effective user; refuses to replace one.</summary>
    public static void Create(string directory, ulong value)
    {
        using var store = new CounterStore(directory, Interop.GetEffectiveUserId());
        Interop.Flock(store._directory, Interop.LOCK_EX, directory);
        if (File.Exists(store.Path))
        {
            throw KnockKnockException.Usage($"counter file {store.Path} exists already");
        }
        store.WriteLocked(value);
    }

    /// <summary>The current value (the next counter the client uses, or the first the server accepts).</summary>
    public ulong Read()
    {
        Interop.Flock(_directory, Interop.LOCK_SH, _directoryPath);
        try
        {
            return ReadLocked();
        }
        finally
        {
            Interop.Flock(_directory, Interop.LOCK_UN, _directoryPath);
        }
    }

    /// <summary>Client side: durably moves the counter from c to c+1 and returns c, which is then used once.</summary>
    public ulong Reserve()
    {
        Interop.Flock(_directory, Interop.LOCK_EX, _directoryPath);
        try
        {
            var current = ReadLocked();
            if (current == ulong.MaxValue)
            {
                throw KnockKnockException.Failure($"counter {Path} is exhausted: make a new profile");
            }
            WriteLocked(current + 1);
            return current;
        }
        finally
        {
            Interop.Flock(_directory, Interop.LOCK_UN, _directoryPath);
        }
    }

    private ulong ReadLocked()
    {
        FileSafety.CheckPrivateFile(Path, _owner);
        byte[] bytes;
        using (var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        {
            if (stream.Length > MaxFileSize)
            {
                throw Corrupt();
            }
            bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
        }
        var text = Encoding.ASCII.GetString(bytes);
        if (text.EndsWith('\n'))
        {
            text = text[..^1];
        }
        return text.Length is > 0 and <= 20
            && text.All(char.IsAsciiDigit)
            && ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Corrupt();
    }

    private void WriteLocked(ulong value)
    {
        File.Delete(_tempPath);
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        };
        using (var stream = new FileStream(_tempPath, options))
        {
            stream.Write(Encoding.ASCII.GetBytes(value.ToString(CultureInfo.InvariantCulture) + "\n"));
            stream.Flush(flushToDisk: true);
        }
        File.Move(_tempPath, Path, overwrite: true);
        Interop.Fsync(_directory, _directoryPath);
    }

    private KnockKnockException Corrupt() =>
        KnockKnockException.Usage($"corrupt counter file {Path}: expected one decimal number; restore it (never lower it) as docs/PROTOCOL.md \"Resynchronising\" describes");

    public void Dispose() => _directory.Dispose();
}
