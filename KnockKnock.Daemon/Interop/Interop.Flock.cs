using System.Runtime.InteropServices;

namespace KnockKnock.Daemon;

internal static partial class Interop
{
    /// <summary>
    /// fcntl(fd, F_SETLK, &amp;lock): a POSIX record lock. Used for the pidfile rather than flock(2)
    /// because .NET's FileStream takes flock locks to emulate FileShare, so a flock'd pidfile would
    /// make File.ReadAllText fail in any .NET program that reads it; the two lock kinds do not interact.
    /// </summary>
    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static unsafe partial int FcntlLock(int fd, int command, Tmds.Linux.flock* lockData);

    /// <summary>Takes a write lock on the whole file without waiting; false when another process holds one.</summary>
    public static unsafe bool TryLockWholeFile(int fd)
    {
        var whole = new Tmds.Linux.flock { l_type = (short)Tmds.Linux.LibC.F_WRLCK, l_whence = (short)Tmds.Linux.LibC.SEEK_SET };
        return FcntlLock(fd, Tmds.Linux.LibC.F_SETLK, &whole) == 0;
    }
}
