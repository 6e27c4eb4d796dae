namespace KnockKnock.Daemon.Log;

/// <summary>
/// `log_source` / `--log-source`: `kmsg` (default where /dev/kmsg exists) or `file:PATH` (a syslog
/// file such as /var/log/kern.log). Opened while still root, before the privilege drop.
/// </summary>
internal static class LogSourceOption
{
    public const string Kmsg = "kmsg";
    public const string FilePrefix = "file:";

    /// <summary>Checks the option's shape; returns the file path for `file:PATH`, or null for kmsg.</summary>
    public static string? ParseFilePath(string? option)
    {
        if (option is null or Kmsg)
        {
            return null;
        }
        if (option.StartsWith(FilePrefix, StringComparison.Ordinal) && option.Length > FilePrefix.Length && Path.IsPathFullyQualified(option[FilePrefix.Length..]))
        {
            return option[FilePrefix.Length..];
        }
        throw KnockKnockException.Usage($"invalid log source '{option}': use kmsg or file:/absolute/path (e.g. file:/var/log/kern.log)");
    }

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
        if (!File.Exists(KmsgSource.DevicePath))
        {
            throw KnockKnockException.Usage($"{KmsgSource.DevicePath} does not exist here: use --log-source file:/var/log/kern.log");
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
    /// For a file source: why the dropped user (uid, gid; no supplementary groups) could not reopen
    /// the file after a rotation, or null when it can. The daemon opens it as root at start, but
    /// reopens it unprivileged.
    /// </summary>
    public static string? UnprivilegedReadProblem(string? option, uint uid, uint gid)
    {
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

    public static string Describe(string? option) => ParseFilePath(option) is { } path ? "file " + path : KmsgSource.DevicePath;
}
