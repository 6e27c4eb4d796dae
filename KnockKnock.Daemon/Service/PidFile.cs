using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using KnockKnock.Crypto;
using Microsoft.Win32.SafeHandles;
using Tmds.Linux;

namespace KnockKnock.Daemon.Service;

/// <summary>
/// The background daemon's pidfile (default /run/knockknock/knockknock-daemon.pid). Held with an
/// exclusive POSIX record lock for the daemon's whole life, so a second instance refuses to start while the
/// first lives, and a stale file left by a killed daemon is simply taken over. Its directory
/// belongs to the daemon user, so the unprivileged daemon can remove the file when it exits.
/// </summary>
internal sealed class PidFile : IDisposable
{
    public const string DefaultPath = "/run/knockknock/knockknock-daemon.pid";

    private readonly SafeFileHandle _handle;

    private PidFile(string path, SafeFileHandle handle)
    {
        Path = path;
        _handle = handle;
    }

    public string Path { get; }

    /// <summary>Creates, locks and fills the pidfile (as root, before the drop); its directory is made for <paramref name="owner"/> if missing.</summary>
    public static unsafe PidFile Acquire(string path, uint owner, uint group)
    {
        var directory = System.IO.Path.GetDirectoryName(path)!;
        if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            Knocks.StateDirectory.Chown(directory, owner, group);
        }
        else if (Interop.StatPath(directory, Interop.STATX_UID).Uid != owner)
        {
            throw KnockKnockException.Usage($"the pidfile's directory {directory} must belong to the daemon user (uid {owner}), which removes the pidfile when it exits: use a directory of its own, e.g. {DefaultPath}");
        }
        var bytes = Encoding.UTF8.GetBytes(path + "\0");
        int fd;
        fixed (byte* p = bytes)
        {
            fd = Interop.Open(p, LibC.O_RDWR | LibC.O_CREAT | LibC.O_CLOEXEC | LibC.O_NOFOLLOW, 0x1A4 /* 0644 */);
        }
        if (fd < 0)
        {
            throw KnockKnockException.Failure($"cannot open pidfile {path}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (!Interop.TryLockWholeFile(fd))
        {
            var other = new byte[16];
            int length;
            fixed (byte* p = other)
            {
                length = (int)LibC.read(fd, p, other.Length);
            }
            handle.Dispose();
            var pid = length > 0 ? Encoding.ASCII.GetString(other, 0, length).Trim() : "?";
            throw KnockKnockException.Failure($"another knockknock-daemon is running (pid {pid}, pidfile {path}): stop it first");
        }
        var mine = Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
        fixed (byte* p = mine)
        {
            if (LibC.ftruncate(fd, 0) < 0 || LibC.write(fd, p, mine.Length) != mine.Length || LibC.fchown(fd, owner, group) < 0)
            {
                handle.Dispose();
                throw KnockKnockException.Failure($"cannot write pidfile {path}");
            }
        }
        return new PidFile(path, handle);
    }

    /// <summary>Removes the file while still holding the lock, then releases it.</summary>
    public void Dispose()
    {
        File.Delete(Path);
        _handle.Dispose();
    }
}
