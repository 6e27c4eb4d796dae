using System.Globalization;
using System.Text;
using Tmds.Linux;

namespace KnockKnock.Crypto.Counters;

/// <summary>
/// A profile's 64-bit knock counter in its <c>counter</c> file (docs/PROTOCOL.md, "Counters"): one
/// decimal line, as a profile is made and as a user writes it to resynchronise, or the two-slot
/// record (<see cref="CounterSlots"/>) the client keeps from its first knock on. Every change is
/// read-modify-write under an exclusive flock on the counter's directory, so two processes never
/// see the same value. A reservation writes the older slot with one pwrite and one fdatasync; a
/// decimal file is first replaced by a record (temp file, fdatasync, rename, fsync of the
/// directory). Either way a crash leaves the old value or the new one, never a smaller one. A
/// missing or corrupt file is an error: a reset to 0 would re-accept every old knock.
/// </summary>
public sealed class CounterStore : IDisposable
{
    public const string FileName = "counter";
    private const string TempFileName = "counter.tmp";
    private const int MaxDecimalSize = 32;
    private const uint OwnerOnly = 0x180; // 0600

    private readonly FileDescriptorHandle _directory;
    private readonly string _directoryPath;
    private readonly uint _owner;

    private CounterStore(string directory, uint owner)
    {
        _directoryPath = directory;
        Path = System.IO.Path.Combine(directory, FileName);
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

    /// <summary>Creates a decimal counter file holding <paramref name="value"/>, owned by the effective user; refuses to replace one.</summary>
    public static void Create(string directory, ulong value)
    {
        using var store = new CounterStore(directory, Interop.GetEffectiveUserId());
        Interop.Flock(store._directory, Interop.LOCK_EX, directory);
        if (File.Exists(store.Path))
        {
            throw KnockKnockException.Usage($"counter file {store.Path} exists already");
        }
        store.Replace(Encoding.ASCII.GetBytes(value.ToString(CultureInfo.InvariantCulture) + "\n"));
    }

    /// <summary>The current value (the next counter the client uses, or the first the server accepts).</summary>
    public ulong Read()
    {
        Interop.Flock(_directory, Interop.LOCK_SH, _directoryPath);
        try
        {
            using var file = OpenFile(LibC.O_RDONLY);
            return ReadLocked(file).Value;
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
            using var file = OpenFile(LibC.O_RDWR);
            var (current, newest) = ReadLocked(file);
            if (current == ulong.MaxValue)
            {
                throw KnockKnockException.Failure($"counter {Path} is exhausted: make a new profile");
            }
            if (newest is not int slot)
            {
                Replace(CounterSlots.Record(current + 1));
            }
            else if (!Interop.TryPwrite(file, CounterSlots.Format(current + 1), (1 - slot) * CounterSlots.SecondSlot, out var errno)
                || !Interop.TryFdatasync(file, out errno))
            {
                throw Interop.Error("write", Path, errno);
            }
            return current;
        }
        finally
        {
            Interop.Flock(_directory, Interop.LOCK_UN, _directoryPath);
        }
    }

    private FileDescriptorHandle OpenFile(int access)
    {
        if (!Interop.TryOpenAt(_directory, FileName, access | LibC.O_NOFOLLOW | LibC.O_NONBLOCK | LibC.O_CLOEXEC, 0, out var file, out var errno))
        {
            throw errno == LibC.ENOENT ? KnockKnockException.Usage($"missing file {Path}")
                : errno == LibC.ELOOP ? KnockKnockException.Usage($"{Path} is not a regular file (symlinks and special files are refused): replace it with a real file")
                : Interop.Error("open", Path, errno);
        }
        try
        {
            var links = FileSafety.CheckPrivateFile(file, Path, _owner).LinkCount;
            if (links != 1)
            {
                // Written in place, a counter shared through hard links would hand a value out twice.
                throw KnockKnockException.Usage($"{Path} has {links} links: a counter must be one file of its own; replace the links by copies");
            }
            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>The value, and which slot holds it (null for a decimal file).</summary>
    private (ulong Value, int? Newest) ReadLocked(FileDescriptorHandle file)
    {
        Span<byte> bytes = stackalloc byte[CounterSlots.RecordLength + 1];
        var length = 0;
        int read;
        while (length < bytes.Length && (read = Interop.Pread(file, bytes[length..], length, Path)) > 0)
        {
            length += read;
        }
        var content = bytes[..length];
        if (content.Length == CounterSlots.RecordLength)
        {
            return CounterSlots.Choose(CounterSlots.Parse(content[..CounterSlots.SlotLength]), CounterSlots.Parse(content[CounterSlots.SecondSlot..])) is var (value, newest)
                ? (value, newest)
                : throw Corrupt();
        }
        if (content.Length <= MaxDecimalSize && content.EndsWith("\n"u8))
        {
            content = content[..^1];
        }
        return content.Length is > 0 and <= 20
            && !content.ContainsAnyExceptInRange((byte)'0', (byte)'9')
            && ulong.TryParse(content, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            ? (number, null)
            : throw Corrupt();
    }

    /// <summary>Replaces the counter file by one holding <paramref name="content"/>, durably: temp file, fdatasync, rename, fsync of the directory.</summary>
    private void Replace(byte[] content)
    {
        _ = Interop.TryUnlinkAt(_directory, TempFileName, 0, out _);
        if (!Interop.TryOpenAt(_directory, TempFileName, LibC.O_RDWR | LibC.O_CREAT | LibC.O_EXCL | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, OwnerOnly, out var file, out var errno))
        {
            throw Interop.Error("create", $"{_directoryPath}/{TempFileName}", errno);
        }
        using (file)
        {
            if (!Interop.TryPwrite(file, content, 0, out errno) || !Interop.TryFdatasync(file, out errno))
            {
                _ = Interop.TryUnlinkAt(_directory, TempFileName, 0, out _);
                throw Interop.Error("write", $"{_directoryPath}/{TempFileName}", errno);
            }
        }
        Interop.RenameAt(_directory, TempFileName, FileName, _directoryPath);
        Interop.Fsync(_directory, _directoryPath);
    }

    private KnockKnockException Corrupt() =>
        KnockKnockException.Usage($"corrupt counter file {Path}: expected one decimal number or the client's two-slot record; restore it (never lower it) as docs/PROTOCOL.md \"Lost packets and resynchronising\" describes");

    public void Dispose() => _directory.Dispose();
}
