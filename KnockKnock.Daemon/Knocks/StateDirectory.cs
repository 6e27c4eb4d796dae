namespace KnockKnock.Daemon.Knocks;

/// <summary>
/// The daemon's state directory (default /var/lib/knockknock): owned by the daemon user, 0700,
/// holding one counter directory per profile. Created at start while still root.
/// </summary>
internal static class StateDirectory
{
    /// <summary>
    /// Creates the directory for the daemon user, or takes over one that root made (a package or
    /// systemd's ExecStartPre); refuses one that belongs to anybody else or that others may write.
    /// </summary>
    public static void Prepare(string path, uint owner, uint group)
    {
        const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        if (!Directory.Exists(path))
        {
            Directory.CreateDirectory(path, Private);
            Chown(path, owner, group);
            return;
        }
        var current = Interop.TryStatPath(path, followSymlinks: true, out var status, out var errno) ? status.Uid : throw Interop.Error("stat", path, errno);
        if (current == 0 && owner != 0)
        {
            Chown(path, owner, group);
            File.SetUnixFileMode(path, Private);
        }
        else if (current != owner)
        {
            throw KnockKnockException.Usage($"state directory {path} belongs to uid {current}, not to the daemon user (uid {owner}): run chown {owner} {path}");
        }
        if ((File.GetUnixFileMode(path) & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
        {
            throw KnockKnockException.Usage($"unsafe permissions on state directory {path} (group or others may write): run chmod 700 {path}");
        }
    }

    public static void Chown(string path, uint owner, uint group) => Interop.Chown(path, owner, group);
}
