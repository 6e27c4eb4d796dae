namespace KnockKnock.Daemon.Log;

/// <summary>
/// `log_source` / `--log-source`: `kmsg` (default where /dev/kmsg exists), `journal` (the kernel's
/// records in the systemd journal) or `file:PATH` (a syslog file such as /var/log/kern.log). Opened
/// while still root, before the privilege drop.
/// </summary>
internal static class LogSourceOption
{
    public const string Kmsg = "kmsg";
    public const string Journal = JournalSource.Name;
    public const string FilePrefix = "file:";

    /// <summary>Checks the option's shape; returns the file path for `file:PATH`, or null for kmsg and journal.</summary>
    public static string? ParseFilePath(string? option)
    {
        if (option is null or Kmsg or Journal)
        {
            return null;
        }
        if (option.StartsWith(FilePrefix, StringComparison.Ordinal) && option.Length > FilePrefix.Length && Path.IsPathFullyQualified(option[FilePrefix.Length..]))
        {
            return option[FilePrefix.Length..];
        }
        throw KnockKnockException.Usage($"invalid log source '{option}': use kmsg, journal or file:/absolute/path (e.g. file:/var/log/kern.log)");
    }

    /// <summary>The supplementary group the source needs to keep after the privilege drop (<see cref="JournalSource.Group"/> for the journal), or null.</summary>
    public static string? KeptGroup(string? option) => option == Journal ? JournalSource.Group : null;

    public static ILogSource Open(string? option)
    {
        var path = ParseFilePath(option);
        if (path is not null)
        {
            if (Directory.Exists(path))
            {
                throw KnockKnockException.Usage($"log source {path} is a directory, not a log file");
            }
            try
            {
                return new FileSource(path);
            }
            catch (IOException e)
            {
                throw KnockKnockException.Usage($"cannot read log source {path}: {e.Message}");
            }
        }
        if (option == Journal)
        {
            return OpenJournal();
        }
        if (!File.Exists(KmsgSource.DevicePath))
        {
            throw KnockKnockException.Usage($"{KmsgSource.DevicePath} does not exist here: use --log-source journal or file:/var/log/kern.log");
        }
        try
        {
            return new KmsgSource();
        }
        catch (IOException e)
        {
            throw KnockKnockException.Usage($"cannot read log source {KmsgSource.DevicePath}: {e.Message}");
        }
    }

    /// <summary>
    /// Why the dropped user (uid, gid, and <paramref name="keptGroup"/> as its only supplementary
    /// group) could not go on reading the source, or null when it can. A file is opened as root at
    /// start but reopened unprivileged after a rotation; the journal's new files likewise.
    /// </summary>
    public static string? UnprivilegedReadProblem(string? option, uint uid, uint gid, uint? keptGroup)
    {
        if (option == Journal && keptGroup is { } group)
        {
            var problems = JournalSource.UnprivilegedReadProblems(group);
            return problems.Count switch
            {
                0 => null,
                1 => problems[0],
                _ => $"{problems[0]} (and {problems.Count - 1} more journal file(s) or directories)",
            };
        }
        if (ParseFilePath(option) is not { } path)
        {
            return null;
        }
        if (!File.Exists(path))
        {
            return null;
        }
        if (!Interop.TryStatPath(path, followSymlinks: true, out var st, out var errno))
        {
            throw Interop.Error("stat", path, errno);
        }
        var readable = st.Uid == uid ? (st.Mode & 0x100) != 0 : st.Gid == gid ? (st.Mode & 0x20) != 0 : (st.Mode & 0x4) != 0;
        return readable ? null : $"log file {path} is not readable by the daemon user (uid {uid}, gid {gid}), which reopens it after log rotation: give it group {gid} with read access (chgrp {gid}; supplementary groups are dropped too) or use /dev/kmsg";
    }

    public static string Describe(string? option) => ParseFilePath(option) is { } path ? "file " + path : option == Journal ? "journal" : KmsgSource.DevicePath;

    private static JournalSource OpenJournal()
    {
        try
        {
            return new JournalSource();
        }
        catch (DllNotFoundException)
        {
            throw KnockKnockException.Usage("the journal log source needs libsystemd.so.0, which cannot be loaded: install it (apt install libsystemd0) or use --log-source kmsg");
        }
        catch (EntryPointNotFoundException e)
        {
            throw KnockKnockException.Usage($"the installed libsystemd.so.0 is too old for the journal log source ({e.Message}): use --log-source kmsg");
        }
        catch (IOException e)
        {
            throw KnockKnockException.Usage($"cannot read the journal: {e.Message}");
        }
    }
}
