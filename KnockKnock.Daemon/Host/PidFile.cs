using System.Globalization;
using System.Text;
using Tmds.Linux;

namespace KnockKnock.Daemon.Host;

/// <summary>
/// The background daemon's pidfile (default /run/knockknock/knockknock-daemon.pid). Held with an
/// exclusive POSIX record lock for the daemon's whole life, so a second instance refuses to start while the
/// first lives, and a stale file left by a killed daemon is simply taken over. Its directory
/// belongs to the daemon user, so the unprivileged daemon can remove the file when it exits.
/// </summary>
internal sealed class PidFile : IDisposable
{
    public const string DefaultPath = "/run/knockknock/knockknock-daemon.pid";

    private readonly FileDescriptorHandle _handle;

    private PidFile(string path, FileDescriptorHandle handle)
    {
        Path = path;
        _handle = handle;
    }

    public string Path { get; }

    /// <summary>Creates, locks and fills the pidfile (as root, before the drop); its directory is made for <paramref name="owner"/> if missing.</summary>
    public static PidFile Acquire(string path, uint owner, uint group)
    {
        var directory = System.IO.Path.GetDirectoryName(path)!;
        if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            Interop.Chown(directory, owner, group);
        }
        else if (!Interop.TryStatPath(directory, followSymlinks: true, out var status, out var errno) || status.Uid != owner)
        {
            throw errno != 0 ? Interop.Error("stat", directory, errno)
                : KnockKnockException.Usage($"the pidfile's directory {directory} must belong to the daemon user (uid {owner}), which removes the pidfile when it exits: use a directory of its own, e.g. {DefaultPath}");
        }
        var handle = Interop.Open(path, LibC.O_RDWR | LibC.O_CREAT | LibC.O_CLOEXEC | LibC.O_NOFOLLOW, 0x1A4 /* 0644 */);
        try
        {
            if (!Interop.TryLockWholeFile(handle, path))
            {
                Span<byte> other = stackalloc byte[16];
                var length = Interop.Pread(handle, other, 0, path);
                var pid = length > 0 ? Encoding.ASCII.GetString(other[..length]).Trim() : "?";
                throw KnockKnockException.Failure($"another knockknock-daemon is running (pid {pid}, pidfile {path}): stop it first");
            }
            var mine = Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
            Interop.Ftruncate(handle, 0, path);
            if (!Interop.TryPwrite(handle, mine, 0, out var writeErrno))
            {
                throw Interop.Error("write", path, writeErrno);
            }
            Interop.Fchown(handle, owner, group, path);
            return new PidFile(path, handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Removes the file while still holding the lock, then releases it.</summary>
    public void Dispose()
    {
        File.Delete(Path);
        _handle.Dispose();
    }
}
