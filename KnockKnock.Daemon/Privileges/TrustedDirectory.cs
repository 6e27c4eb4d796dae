using Tmds.Linux;

namespace KnockKnock.Daemon.Privileges;

/// <summary>
/// Opens a directory as root without following any path another user could change: component by
/// component from "/", each opened relative to the one before with O_NOFOLLOW, and each checked to
/// be a directory owned by root that nobody else may write, or that is sticky like /tmp (then no
/// other user can rename or replace the root-owned entry opened next). A symlink anywhere is
/// refused. Everything root does after that happens relative to the descriptor it returns
/// (openat, mkdirat, fchown...), never by path again.
/// </summary>
internal static class TrustedDirectory
{
    private const uint GroupOrOtherWrite = 0x12; // 022
    private const uint Sticky = 0x200;           // 01000
    private const uint OwnerExecute = 0x40;      // 0100

    /// <summary>
    /// Opens <paramref name="path"/> (absolute); with <paramref name="createMode"/>, a missing last
    /// component is created with that mode. Refusals are one-line usage errors that say what to fix.
    /// </summary>
    public static FileDescriptorHandle Open(string path, uint? createMode = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!Path.IsPathFullyQualified(path))
        {
            throw KnockKnockException.Usage($"{path} is not an absolute path");
        }
        var names = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var current = Interop.Open("/", LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC);
        var walked = "";
        try
        {
            Check(current, "/");
            for (var i = 0; i < names.Length; i++)
            {
                var name = names[i];
                if (name is "." or "..")
                {
                    throw KnockKnockException.Usage($"{path}: '.' and '..' are not allowed here: give the plain path");
                }
                walked += "/" + name;
                if (createMode is { } mode && i == names.Length - 1
                    && !Interop.TryMkdirAt(current, name, mode, out var mkdirErrno) && mkdirErrno != LibC.EEXIST)
                {
                    throw Interop.Error("mkdir", walked, mkdirErrno);
                }
                var next = OpenChild(current, name, walked);
                current.Dispose();
                current = next;
                Check(current, walked);
            }
            return current;
        }
        catch
        {
            current.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens one entry of a directory root already holds, as a directory, without following a
    /// symlink; a missing entry, a symlink or a non-directory is a one-line usage error.
    /// </summary>
    public static FileDescriptorHandle OpenChild(FileDescriptorHandle parent, string name, string path)
    {
        if (Interop.TryOpenAt(parent, name, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, 0, out var child, out var errno))
        {
            return child;
        }
        // O_DIRECTORY with O_NOFOLLOW fails on a symlink with ENOTDIR, not ELOOP: look at the entry itself.
        var symlink = errno == LibC.ELOOP || (errno == LibC.ENOTDIR && Interop.TryStatAt(parent, name, out var entry, out _) && entry.Type == StatxBuffer.Symlink);
        throw errno == LibC.ENOENT ? KnockKnockException.Usage($"missing directory {path}")
            : symlink ? KnockKnockException.Usage($"{path} is a symlink: root does not follow symlinks here; give the real path")
            : errno == LibC.ENOTDIR ? KnockKnockException.Usage($"{path} is not a directory")
            : Interop.Error("open", path, errno);
    }

    /// <summary>
    /// The path of <paramref name="name"/> in <paramref name="directory"/> (absolute) once it is
    /// checked to be a program root may run: a regular file, not a symlink, owned by root and
    /// executable by it, that neither group nor others may write, in a directory (not a symlink)
    /// owned by root that neither group nor others may write (sticky or not). The directories
    /// above are not walked: this is for the directory root's own executable came from, which root
    /// trusted by running it. Refusals are one-line usage errors.
    /// </summary>
    public static string Program(string directory, string name)
    {
        var path = System.IO.Path.Join(directory, name);
        if (!Interop.TryOpen(directory, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, 0, out var handle, out var errno))
        {
            throw Interop.Error("open", directory, errno);
        }
        using (handle)
        {
            Check(Interop.Stat(handle, directory), directory, stickyIsSafe: false);
            if (!Interop.TryStatAt(handle, name, out var status, out errno))
            {
                throw errno == LibC.ENOENT ? KnockKnockException.Usage($"missing {path}") : Interop.Error("stat", path, errno);
            }
            if (status.Type != StatxBuffer.Regular)
            {
                throw KnockKnockException.Usage($"{path} is not a regular file{(status.Type == StatxBuffer.Symlink ? " (a symlink: root does not follow symlinks here)" : "")}");
            }
            Check(status, path, stickyIsSafe: false);
            if ((status.Permissions & OwnerExecute) == 0)
            {
                throw KnockKnockException.Usage($"{path} is not executable (chmod 0755 {path})");
            }
        }
        return path;
    }

    private static void Check(FileDescriptorHandle directory, string path) => Check(Interop.Stat(directory, path), path, stickyIsSafe: true);

    private static void Check(StatxBuffer status, string path, bool stickyIsSafe)
    {
        if (status.Uid != 0)
        {
            throw KnockKnockException.Usage($"{path} belongs to uid {status.Uid}, not root: another user could redirect root through it (chown root {path}, or use another directory)");
        }
        if ((status.Permissions & GroupOrOtherWrite) != 0 && !(stickyIsSafe && (status.Permissions & Sticky) != 0))
        {
            throw KnockKnockException.Usage($"{path} may be written by group or others: another user could redirect root through it (chmod go-w {path})");
        }
    }
}
