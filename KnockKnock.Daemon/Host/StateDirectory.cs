using System.Globalization;
using System.Text;
using KnockKnock.Daemon.Privileges;
using Tmds.Linux;

namespace KnockKnock.Daemon.Host;

/// <summary>
/// The state directory (default /var/lib/knockknock), root's and 0755, holding two directories:
/// <c>counters/</c> (root, 0700: the server counters, <see cref="Knocks.ServerCounters"/>) and
/// <c>daemon/</c> (the daemon user's, 0700: what the unprivileged daemon writes, its status). Root
/// prepares it at start relative to descriptors only (<see cref="TrustedDirectory"/>, openat,
/// mkdirat, fchown on what it opened): the daemon user owns <c>daemon/</c> and nothing above or
/// beside it, so it cannot point root anywhere.
/// </summary>
internal sealed class StateDirectory : IDisposable
{
    public const string CountersName = "counters";
    public const string DaemonName = "daemon";
    private const uint Shared = 0x1ED;  // 0755
    private const uint Private = 0x1C0; // 0700

    private StateDirectory(string path, FileDescriptorHandle counters, IReadOnlyDictionary<string, ulong> earlierCounters)
    {
        Path = path;
        Counters = counters;
        EarlierCounters = earlierCounters;
    }

    public string Path { get; }

    /// <summary>The root-only counters directory, open.</summary>
    public FileDescriptorHandle Counters { get; }

    public string CountersPath => $"{Path}/{CountersName}";

    /// <summary>Where the daemon writes after the privilege drop (its own directory).</summary>
    public string DaemonPath => $"{Path}/{DaemonName}";

    /// <summary>
    /// Counters of the layout before this one (STATE/NAME/counter, owned by the daemon user), read
    /// once when that layout is found; each profile's counter starts no lower than its entry here.
    /// </summary>
    public IReadOnlyDictionary<string, ulong> EarlierCounters { get; }

    /// <summary>Creates or checks the layout for the daemon user (<paramref name="uid"/>, <paramref name="gid"/>); migrates the earlier layout once.</summary>
    public static StateDirectory Prepare(string path, uint uid, uint gid, IEnumerable<string> profiles)
    {
        path = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(path));
        using var parent = TrustedDirectory.Open(System.IO.Path.GetDirectoryName(path) ?? throw KnockKnockException.Usage($"the state directory cannot be {path}"));
        var name = System.IO.Path.GetFileName(path);
        if (!Interop.TryMkdirAt(parent, name, Shared, out var errno) && errno != LibC.EEXIST)
        {
            throw Interop.Error("mkdir", path, errno);
        }
        using var state = TrustedDirectory.OpenChild(parent, name, path);
        var status = Interop.Stat(state, path);
        IReadOnlyDictionary<string, ulong> earlier = new Dictionary<string, ulong>();
        if (status.Uid == uid)
        {
            // The layout before this one: the daemon user owned the whole directory. Take it back first.
            earlier = ReadEarlierCounters(state, path, profiles);
            Interop.Fchown(state, 0, 0, path);
            RemoveEarlierFiles(state, earlier.Keys);
        }
        else if (status.Uid != 0)
        {
            throw KnockKnockException.Usage($"state directory {path} belongs to uid {status.Uid}, not root: run chown root:root {path}");
        }
        if ((status.Permissions & 0x12) != 0)
        {
            throw KnockKnockException.Usage($"state directory {path} may be written by group or others: run chmod 755 {path}");
        }
        Interop.Fchmod(state, Shared, path);
        using (Subdirectory(state, DaemonName, $"{path}/{DaemonName}", uid, gid))
        {
            // Only made and handed over here; root never looks inside it again.
        }
        return new StateDirectory(path, Subdirectory(state, CountersName, $"{path}/{CountersName}", 0, 0), earlier);
    }

    /// <summary>Makes or checks one directory inside the state directory, owned by <paramref name="uid"/> and 0700.</summary>
    private static FileDescriptorHandle Subdirectory(FileDescriptorHandle state, string name, string path, uint uid, uint gid)
    {
        if (!Interop.TryMkdirAt(state, name, Private, out var errno) && errno != LibC.EEXIST)
        {
            throw Interop.Error("mkdir", path, errno);
        }
        var directory = TrustedDirectory.OpenChild(state, name, path);
        try
        {
            var status = Interop.Stat(directory, path);
            if (status.Uid != uid)
            {
                if (status.Uid != 0)
                {
                    throw KnockKnockException.Usage($"{path} belongs to uid {status.Uid}, not uid {uid}: remove it (the daemon makes it again)");
                }
                Interop.Fchown(directory, uid, gid, path);
            }
            Interop.Fchmod(directory, Private, path);
            return directory;
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    /// <summary>STATE/NAME/counter of each profile in the earlier layout, read without following anything.</summary>
    private static Dictionary<string, ulong> ReadEarlierCounters(FileDescriptorHandle state, string path, IEnumerable<string> profiles)
    {
        var counters = new Dictionary<string, ulong>(StringComparer.Ordinal);
        Span<byte> bytes = stackalloc byte[32];
        foreach (var profile in profiles)
        {
            if (!Interop.TryOpenAt(state, profile, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, 0, out var directory, out _))
            {
                continue;
            }
            using (directory)
            {
                if (!Interop.TryOpenAt(directory, "counter", LibC.O_RDONLY | LibC.O_NOFOLLOW | LibC.O_NONBLOCK | LibC.O_CLOEXEC, 0, out var file, out _))
                {
                    continue;
                }
                using (file)
                {
                    var where = $"{path}/{profile}/counter";
                    var read = Interop.Stat(file, where).Type == StatxBuffer.Regular ? Interop.Pread(file, bytes, 0, where) : 0;
                    if (ulong.TryParse(Encoding.ASCII.GetString(bytes[..read]).TrimEnd('\n'), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
                    {
                        counters[profile] = value;
                    }
                }
            }
        }
        return counters;
    }

    /// <summary>Best effort: the earlier layout's files, removed relative to the descriptors (only names the daemon user could remove itself).</summary>
    private static void RemoveEarlierFiles(FileDescriptorHandle state, IEnumerable<string> profiles)
    {
        foreach (var profile in profiles)
        {
            if (Interop.TryOpenAt(state, profile, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, 0, out var directory, out _))
            {
                using (directory)
                {
                    _ = Interop.TryUnlinkAt(directory, "counter", 0, out _);
                    _ = Interop.TryUnlinkAt(directory, "counter.tmp", 0, out _);
                }
                _ = Interop.TryUnlinkAt(state, profile, Interop.AT_REMOVEDIR, out _);
            }
        }
        _ = Interop.TryUnlinkAt(state, "status", 0, out _);
        _ = Interop.TryUnlinkAt(state, "status.tmp", 0, out _);
    }

    public void Dispose() => Counters.Dispose();
}
