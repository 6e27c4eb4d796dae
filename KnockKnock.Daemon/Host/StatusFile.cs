using System.Text;
using KnockKnock.Daemon.Privileges;
using Tmds.Linux;

namespace KnockKnock.Daemon.Host;

/// <summary>
/// Reads STATE/daemon/status as root without trusting the daemon user, who writes it: the state
/// directory is opened as a <see cref="TrustedDirectory"/>, <c>daemon/</c> and <c>status</c> without
/// following symlinks and without blocking (a FIFO cannot hang it); both must belong to the daemon
/// user, the file must be a regular one, and at most <see cref="MaxLength"/> bytes are read.
/// <see cref="DaemonStatus.TryParse"/> then checks every value's shape.
/// </summary>
internal static class StatusFile
{
    public const int MaxLength = 64 * 1024;

    /// <summary>The file's text, or null when there is none (the daemon is not running).</summary>
    public static string? Read(string stateDirectory, uint daemonUid)
    {
        using var state = TrustedDirectory.Open(stateDirectory);
        var daemonPath = $"{stateDirectory.TrimEnd('/')}/{StateDirectory.DaemonName}";
        if (!Interop.TryOpenAt(state, StateDirectory.DaemonName, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, 0, out var daemon, out var errno))
        {
            return errno == LibC.ENOENT ? null : throw Refused(daemonPath, errno == LibC.ELOOP ? "is a symlink" : errno == LibC.ENOTDIR ? "is not a directory" : Describe(errno));
        }
        using (daemon)
        {
            if (Interop.Stat(daemon, daemonPath).Uid != daemonUid)
            {
                throw Refused(daemonPath, $"does not belong to the daemon user (uid {daemonUid})");
            }
            var path = $"{daemonPath}/{DaemonStatus.FileName}";
            if (!Interop.TryOpenAt(daemon, DaemonStatus.FileName, LibC.O_RDONLY | LibC.O_NOFOLLOW | LibC.O_NONBLOCK | LibC.O_CLOEXEC, 0, out var file, out errno))
            {
                return errno == LibC.ENOENT ? null : throw Refused(path, errno == LibC.ELOOP ? "is a symlink" : Describe(errno));
            }
            using (file)
            {
                var status = Interop.Stat(file, path);
                if (status.Type != StatxBuffer.Regular || status.Uid != daemonUid)
                {
                    throw Refused(path, $"is not a regular file of the daemon user (uid {daemonUid})");
                }
                var bytes = new byte[MaxLength + 1];
                var length = 0;
                while (length < bytes.Length)
                {
                    var read = Interop.Pread(file, bytes.AsSpan(length), length, path);
                    if (read == 0)
                    {
                        break;
                    }
                    length += read;
                }
                return length > MaxLength ? throw Refused(path, $"is larger than {MaxLength} bytes") : Encoding.UTF8.GetString(bytes, 0, length);
            }
        }
    }

    private static string Describe(int errno) => System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno);

    private static KnockKnockException Refused(string path, string why) => KnockKnockException.Failure($"refusing to read the status file: {path} {why}");
}
