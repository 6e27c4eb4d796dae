using System.Runtime.InteropServices;
using Tmds.Linux;

namespace KnockKnock;

internal static partial class Interop
{
    // int fcntl(int fd, int cmd, ...): the one int or pointer argument travels in a register like a fixed one.
    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int FcntlNative(int fd, int command, int argument);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int FcntlNative(FileDescriptorHandle fd, int command, int argument);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static unsafe partial int FcntlNative(FileDescriptorHandle fd, int command, flock* lockData);

    /// <summary>F_GETFD: the descriptor flags (FD_CLOEXEC), or null when <paramref name="fd"/> is not open.</summary>
    public static int? DescriptorFlags(int fd)
    {
        var flags = FcntlNative(fd, LibC.F_GETFD, 0);
        if (flags >= 0)
        {
            return flags;
        }
        var errno = Marshal.GetLastPInvokeError();
        return errno == LibC.EBADF ? null : throw Error("fcntl", $"descriptor {fd}", errno);
    }

    /// <summary>F_SETFD: sets or clears FD_CLOEXEC on one descriptor.</summary>
    public static void SetCloseOnExec(FileDescriptorHandle fd, bool closeOnExec)
        => Check(FcntlNative(fd, LibC.F_SETFD, closeOnExec ? LibC.FD_CLOEXEC : 0), "fcntl(F_SETFD)");

    /// <summary>F_GETFL then F_SETFL: sets or clears O_NONBLOCK on a descriptor's open file.</summary>
    public static void SetNonBlocking(FileDescriptorHandle fd, bool nonBlocking)
    {
        var flags = Check(FcntlNative(fd, LibC.F_GETFL, 0), "fcntl(F_GETFL)");
        Check(FcntlNative(fd, LibC.F_SETFL, nonBlocking ? flags | LibC.O_NONBLOCK : flags & ~LibC.O_NONBLOCK), "fcntl(F_SETFL)");
    }

    /// <summary>
    /// F_SETLK: a POSIX write lock on the whole file, without waiting; false when another process
    /// holds a lock on it. POSIX record locks, not flock(2): .NET's FileStream takes flock locks to
    /// emulate FileShare, and the two kinds do not interact. The lock belongs to this process and
    /// is released when it exits or closes any descriptor of the file.
    /// </summary>
    public static unsafe bool TryLockWholeFile(FileDescriptorHandle fd, string what)
    {
        var whole = new flock { l_type = (short)LibC.F_WRLCK, l_whence = (short)LibC.SEEK_SET };
        if (FcntlNative(fd, LibC.F_SETLK, &whole) == 0)
        {
            return true;
        }
        var errno = Marshal.GetLastPInvokeError();
        return errno == LibC.EAGAIN || errno == LibC.EACCES ? false : throw Error("fcntl(F_SETLK)", what, errno);
    }

    /// <summary>F_GETLK: the pid of the process that holds a lock conflicting with a write lock on the whole file, or 0 when none does.</summary>
    public static unsafe int LockHolder(FileDescriptorHandle fd, string what)
    {
        var probe = new flock { l_type = (short)LibC.F_WRLCK, l_whence = (short)LibC.SEEK_SET };
        Check(FcntlNative(fd, LibC.F_GETLK, &probe), "fcntl(F_GETLK)", what);
        return probe.l_type == LibC.F_UNLCK ? 0 : probe.l_pid;
    }
}
