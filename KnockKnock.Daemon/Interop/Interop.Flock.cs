using System.Runtime.InteropServices;

namespace KnockKnock.Daemon;

internal static partial class Interop
{
    public const int LOCK_EX = 2;
    public const int LOCK_NB = 4;

    /// <summary>flock(2), which Tmds.LibC lacks; errno captured by the marshaller.</summary>
    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    public static partial int Flock(int fd, int operation);
}
