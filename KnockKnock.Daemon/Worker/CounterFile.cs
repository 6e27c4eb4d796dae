using KnockKnock.Crypto.Counters;
using Tmds.Linux;

namespace KnockKnock.Daemon.Worker;

/// <summary>
/// A profile's server counter: the first counter value a knock may still use (docs/PROTOCOL.md,
/// "Counters"). Kept by root in a root-only directory, so the daemon user can neither lower nor
/// delete it; written by the worker before it opens anything.
/// </summary>
/// <remarks>
/// The file is a two-slot record (<see cref="CounterSlots"/>): a write goes to the older slot with
/// one pwrite and one fdatasync, so a crash during it leaves the old value or the new one, never a
/// smaller one. Both slots are written when the file is made, so later writes never need a new
/// block (a full disk does not stop them on file systems that overwrite in place).
/// </remarks>
internal sealed class CounterFile : IDisposable
{
    public const string Suffix = ".counter";
    private const uint OwnerOnly = 0x180; // 0600
    private const uint GroupOrOther = 0x3F; // 077

    private readonly FileDescriptorHandle _file;
    private int _newest;

    private CounterFile(FileDescriptorHandle file, string path, ulong value, int newest)
    {
        _file = file;
        Path = path;
        Value = value;
        _newest = newest;
    }

    public string Path { get; }

    /// <summary>The first counter value a knock may use.</summary>
    public ulong Value { get; private set; }

    /// <summary>
    /// Opens <c>PROFILE.counter</c> in a root-only directory; false when it does not exist. A file
    /// that is not a plain root-owned 0600 file with one link, or has no valid slot, is a usage error.
    /// </summary>
    public static bool TryOpen(FileDescriptorHandle directory, string directoryPath, string profile, out CounterFile counter)
    {
        counter = null!;
        var path = $"{directoryPath}/{profile}{Suffix}";
        if (!Interop.TryOpenAt(directory, profile + Suffix, LibC.O_RDWR | LibC.O_NOFOLLOW | LibC.O_NONBLOCK | LibC.O_CLOEXEC, 0, out var file, out var errno))
        {
            return errno == LibC.ENOENT ? false
                : errno == LibC.ELOOP ? throw KnockKnockException.Usage($"{path} is a symlink: remove it and restore the counter")
                : throw Interop.Error("open", path, errno);
        }
        try
        {
            var status = Interop.Stat(file, path);
            if (status.Type != StatxBuffer.Regular || status.Uid != 0 || (status.Permissions & GroupOrOther) != 0 || status.LinkCount != 1)
            {
                throw KnockKnockException.Usage($"{path} must be a plain file owned by root with mode 0600 and one link (it is uid {status.Uid}, mode {Convert.ToString(status.Permissions, 8)}, {status.LinkCount} link(s))");
            }
            Span<byte> slot = stackalloc byte[CounterSlots.SlotLength];
            var first = TryReadSlot(file, 0, slot, path);
            var second = TryReadSlot(file, CounterSlots.SecondSlot, slot, path);
            var (value, newest) = CounterSlots.Choose(first, second)
                ?? throw KnockKnockException.Usage($"corrupt counter file {path}: no valid slot; restore it (never lower it), see README \"Counters out of sync\"");
            counter = new CounterFile(file, path, value, newest);
            return true;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Creates <c>PROFILE.counter</c> holding <paramref name="value"/> (both slots), durably; replaces nothing.</summary>
    public static CounterFile Create(FileDescriptorHandle directory, string directoryPath, string profile, ulong value)
    {
        if (Interop.TryOpenAt(directory, profile + Suffix, LibC.O_RDONLY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, 0, out var existing, out _))
        {
            existing.Dispose();
            throw KnockKnockException.Usage($"counter file {directoryPath}/{profile}{Suffix} exists already");
        }
        var temporary = "." + profile + Suffix + ".new";
        _ = Interop.TryUnlinkAt(directory, temporary, 0, out _);
        if (!Interop.TryOpenAt(directory, temporary, LibC.O_RDWR | LibC.O_CREAT | LibC.O_EXCL | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, OwnerOnly, out var file, out var errno))
        {
            throw Interop.Error("create", $"{directoryPath}/{temporary}", errno);
        }
        using (file)
        {
            if (!Interop.TryPwrite(file, CounterSlots.Record(value), 0, out errno) || !Interop.TryFdatasync(file, out errno))
            {
                throw Interop.Error("write", $"{directoryPath}/{temporary}", errno);
            }
        }
        Interop.RenameAt(directory, temporary, profile + Suffix, directoryPath);
        Interop.Fsync(directory, directoryPath);
        return TryOpen(directory, directoryPath, profile, out var counter) ? counter : throw new IOException($"{directoryPath}/{profile}{Suffix} vanished after it was made");
    }

    /// <summary>
    /// Durably moves the counter up to <paramref name="next"/> (never down: a smaller value is
    /// already covered). False, with the failure, when it could not be stored: nothing changed then.
    /// </summary>
    public bool TryAdvance(ulong next, out string error)
    {
        error = "";
        if (next <= Value)
        {
            return true;
        }
        var slot = 1 - _newest;
        if (!Interop.TryPwrite(_file, CounterSlots.Format(next), slot * CounterSlots.SecondSlot, out var errno) || !Interop.TryFdatasync(_file, out errno))
        {
            error = $"{Path}: {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno)}";
            return false;
        }
        Value = next;
        _newest = slot;
        return true;
    }

    private static ulong? TryReadSlot(FileDescriptorHandle file, long offset, Span<byte> slot, string path)
        => Interop.Pread(file, slot, offset, path) == CounterSlots.SlotLength ? CounterSlots.Parse(slot) : null;

    public void Dispose() => _file.Dispose();
}
