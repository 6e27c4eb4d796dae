using System.Globalization;
using System.Text;
using KnockKnock.Daemon.Privileges;
using Tmds.Linux;

namespace KnockKnock.Daemon.Host;

/// <summary>
/// The daemon's pidfile (default /run/knockknock/knockknock-daemon.pid): root's and 0600, in a directory
/// only root may write (<see cref="TrustedDirectory"/>, made 0755 if missing), opened without
/// following a symlink. The daemon holds a POSIX write lock on it for its whole life (the
/// descriptor outlives the privilege drop), so a second instance refuses to start, and
/// <c>flush</c> and <c>status</c> find the running daemon as the lock's holder
/// (<see cref="RunningDaemon"/>), not by trusting the number written in it. At exit the daemon,
/// no longer root, empties the file through its descriptor; a stale file holds no lock and is
/// simply taken over.
/// </summary>
internal sealed class PidFile : IDisposable
{
    public const string DefaultPath = "/run/knockknock/knockknock-daemon.pid";
    // Root's alone: another user who could open it could hold a read lock on it, which would block
    // the next start ("another knockknock-daemon is running") and look like the daemon's to flush.
    private const uint RootOnly = 0x180; // 0600

    private readonly FileDescriptorHandle _handle;

    private PidFile(string path, FileDescriptorHandle handle)
    {
        Path = path;
        _handle = handle;
    }

    public string Path { get; }

    /// <summary>Creates, locks and fills the pidfile (as root, before the drop).</summary>
    public static PidFile Acquire(string path)
    {
        var handle = Open(path, create: true) ?? throw new InvalidOperationException("a created pidfile is there");
        try
        {
            if (!Interop.TryLockWholeFile(handle, path))
            {
                Span<byte> other = stackalloc byte[16];
                var length = Interop.Pread(handle, other, 0, path);
                var pid = length > 0 ? Encoding.ASCII.GetString(other[..length]).Trim() : "?";
                throw KnockKnockException.Failure($"another knockknock-daemon is running (pid {(pid.All(char.IsAsciiDigit) ? pid : "?")}, pidfile {path}): stop it first");
            }
            Interop.Ftruncate(handle, 0, path);
            if (!Interop.TryPwrite(handle, Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n"), 0, out var errno))
            {
                throw Interop.Error("write", path, errno);
            }
            return new PidFile(path, handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens the pidfile read-write, only when it is a plain root-owned file with one link in a
    /// directory only root may write; null when it does not exist and <paramref name="create"/> is false.
    /// </summary>
    public static FileDescriptorHandle? Open(string path, bool create)
    {
        var full = System.IO.Path.GetFullPath(path);
        var name = System.IO.Path.GetFileName(full);
        if (!create && !Directory.Exists(System.IO.Path.GetDirectoryName(full)))
        {
            return null;
        }
        using var directory = TrustedDirectory.Open(System.IO.Path.GetDirectoryName(full)!, create ? 0x1ED : null);
        var flags = LibC.O_RDWR | LibC.O_NOFOLLOW | LibC.O_NONBLOCK | LibC.O_CLOEXEC | (create ? LibC.O_CREAT : 0);
        if (!Interop.TryOpenAt(directory, name, flags, RootOnly, out var file, out var errno))
        {
            return errno == LibC.ENOENT && !create ? null
                : errno == LibC.ELOOP ? throw KnockKnockException.Usage($"pidfile {path} is a symlink: remove it")
                : throw Interop.Error("open", path, errno);
        }
        var status = Interop.Stat(file, path);
        if (status.Type != StatxBuffer.Regular || status.Uid != 0 || status.LinkCount != 1)
        {
            file.Dispose();
            throw KnockKnockException.Usage($"pidfile {path} must be a plain root-owned file with one link: remove it");
        }
        if ((status.Permissions & 0xFFF) != RootOnly)
        {
            // Made 0644 by earlier versions.
            try
            {
                Interop.Fchmod(file, RootOnly, path);
            }
            catch
            {
                file.Dispose();
                throw;
            }
        }
        return file;
    }

    /// <summary>Empties the file through the descriptor (the dropped daemon may not unlink it), then releases the lock.</summary>
    public void Dispose()
    {
        try
        {
            Interop.Ftruncate(_handle, 0, Path);
        }
        finally
        {
            _handle.Dispose();
        }
    }
}
