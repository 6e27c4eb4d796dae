namespace KnockKnock.Crypto;

/// <summary>
/// StrictModes-style checks (ssh's sshd_config(5)): a profile's directories must be 0700 and its
/// secret and counter 0600, all owned by the user that uses them, never symlinks. Each refusal is
/// one line naming the file and the command that fixes it.
/// </summary>
internal static class FileSafety
{
    private const uint TypeMask = 0xF000;
    private const uint Directory = 0x4000;
    private const uint Regular = 0x8000;
    private const uint GroupOrWorld = 0x3F; // rwx for group and others: 077

    /// <summary>A directory that only its owner may enter, list or change.</summary>
    public static void CheckDirectory(string path, uint owner)
    {
        var mode = Stat(path, owner, Directory, "directory");
        if ((mode & GroupOrWorld) != 0)
        {
            throw KnockKnockException.Usage($"unsafe permissions {Octal(mode)} on directory {path} (group or others may access it): run chmod 700 {path}");
        }
    }

    /// <summary>A key or counter file that only its owner may read or write.</summary>
    public static void CheckPrivateFile(string path, uint owner)
        => RefuseShared(Stat(path, owner, Regular, "file"), path);

    /// <summary>The same for a file already open (opened without following symlinks); returns its status.</summary>
    public static StatxBuffer CheckPrivateFile(FileDescriptorHandle file, string path, uint owner)
    {
        var status = Interop.Stat(file, path);
        RefuseShared(Check(status, path, owner, Regular, "file"), path);
        return status;
    }

    private static void RefuseShared(uint mode, string path)
    {
        if ((mode & GroupOrWorld) != 0)
        {
            throw KnockKnockException.Usage($"unsafe permissions {Octal(mode)} on {path} (group or others may read or write it): run chmod 600 {path}");
        }
    }

    /// <summary>A settings file that others may read but only its owner may change.</summary>
    public static void CheckSettingsFile(string path, uint owner)
    {
        var mode = Stat(path, owner, Regular, "file");
        if ((mode & 0x12) != 0)
        {
            throw KnockKnockException.Usage($"unsafe permissions {Octal(mode)} on {path} (group or others may change it): run chmod 600 {path}");
        }
    }

    private static uint Stat(string path, uint owner, uint type, string what)
    {
        if (!Interop.TryStatPath(path, followSymlinks: false, out var status, out var errno))
        {
            throw errno == Tmds.Linux.LibC.ENOENT ? KnockKnockException.Usage($"missing {what} {path}") : Interop.Error("lstat", path, errno);
        }
        return Check(status, path, owner, type, what);
    }

    private static uint Check(StatxBuffer status, string path, uint owner, uint type, string what)
    {
        var (actualOwner, mode) = (status.Uid, (uint)status.Mode);
        if ((mode & TypeMask) != type)
        {
            throw KnockKnockException.Usage($"{path} is not a regular {what} (symlinks and special files are refused): replace it with a real {what}");
        }
        if (actualOwner != owner)
        {
            throw KnockKnockException.Usage($"{path} is owned by uid {actualOwner}, not by uid {owner} who uses it: run chown {owner} {path}");
        }
        return mode & 0xFFF;
    }

    private static string Octal(uint mode) => "0" + Convert.ToString(mode & 0xFFF, 8).PadLeft(3, '0');
}
