using System.Text;
using KnockKnock.Daemon.Worker;
using Tmds.Linux;

namespace KnockKnock.Daemon.Knocks;

/// <summary>
/// Root, at start-up: gives every profile its server counter in the root-only counters directory
/// (<see cref="CounterFile"/>) and returns where each profile's counters start. A counter never
/// moves back without the admin saying so: it becomes the larger of its file and the profile's own
/// <c>counter</c> (an admin resynchronises by raising that), and a profile that had a server counter
/// once and has lost it is refused, not started again from the profile's older value. The file
/// <c>known</c> lists every profile that ever had a counter here (README, "Counters out of sync").
/// </summary>
internal static class ServerCounters
{
    public const string KnownFile = "known";

    /// <summary>Prepares the counters of <paramref name="profiles"/> (name, the profile's own counter); returns name -> first usable counter.</summary>
    public static Dictionary<string, ulong> Prepare(FileDescriptorHandle directory, string directoryPath, IEnumerable<(string Name, ulong Seed)> profiles)
    {
        var known = ReadKnown(directory, directoryPath);
        var next = new Dictionary<string, ulong>(StringComparer.Ordinal);
        foreach (var (name, seed) in profiles)
        {
            if (CounterFile.TryOpen(directory, directoryPath, name, out var existing))
            {
                using (existing)
                {
                    if (!existing.TryAdvance(seed, out var error))
                    {
                        throw new IOException($"cannot raise the counter of profile {name} to its profile's {seed}: {error}");
                    }
                    next[name] = existing.Value;
                }
                continue;
            }
            if (known.Contains(name))
            {
                throw KnockKnockException.Usage(
                    $"the server counter of profile {name} ({directoryPath}/{name}{CounterFile.Suffix}) is missing although the profile has been used: "
                    + "starting again from the profile's own counter could accept old knocks again; restore the file, or see README \"Counters out of sync\"");
            }
            using (CounterFile.Create(directory, directoryPath, name, seed))
            {
                next[name] = seed;
            }
            known.Add(name);
            WriteKnown(directory, directoryPath, known);
        }
        return next;
    }

    private static HashSet<string> ReadKnown(FileDescriptorHandle directory, string directoryPath)
    {
        var path = $"{directoryPath}/{KnownFile}";
        if (!Interop.TryOpenAt(directory, KnownFile, LibC.O_RDONLY | LibC.O_NOFOLLOW | LibC.O_NONBLOCK | LibC.O_CLOEXEC, 0, out var file, out var errno))
        {
            return errno == LibC.ENOENT ? new HashSet<string>(StringComparer.Ordinal) : throw Interop.Error("open", path, errno);
        }
        using (file)
        {
            var status = Interop.Stat(file, path);
            if (status.Type != StatxBuffer.Regular || status.Uid != 0 || status.Size > 1 << 20)
            {
                throw KnockKnockException.Usage($"{path} must be a plain root-owned file of profile names");
            }
            var bytes = new byte[status.Size];
            var read = Interop.Pread(file, bytes, 0, path);
            var names = Encoding.ASCII.GetString(bytes, 0, read).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return names.All(WorkerPolicy.IsProfileName)
                ? new HashSet<string>(names, StringComparer.Ordinal)
                : throw KnockKnockException.Usage($"{path} holds something other than profile names, one per line");
        }
    }

    /// <summary>Replaces <c>known</c> atomically and durably (temp file, fdatasync, rename, fsync of the directory).</summary>
    private static void WriteKnown(FileDescriptorHandle directory, string directoryPath, HashSet<string> known)
    {
        const string Temporary = "." + KnownFile + ".new";
        _ = Interop.TryUnlinkAt(directory, Temporary, 0, out _);
        if (!Interop.TryOpenAt(directory, Temporary, LibC.O_WRONLY | LibC.O_CREAT | LibC.O_EXCL | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, 0x180, out var file, out var errno))
        {
            throw Interop.Error("create", $"{directoryPath}/{Temporary}", errno);
        }
        using (file)
        {
            var text = Encoding.ASCII.GetBytes(string.Join("", known.Order(StringComparer.Ordinal).Select(n => n + "\n")));
            if (!Interop.TryPwrite(file, text, 0, out errno) || !Interop.TryFdatasync(file, out errno))
            {
                throw Interop.Error("write", $"{directoryPath}/{Temporary}", errno);
            }
        }
        Interop.RenameAt(directory, Temporary, KnownFile, directoryPath);
        Interop.Fsync(directory, directoryPath);
    }
}
