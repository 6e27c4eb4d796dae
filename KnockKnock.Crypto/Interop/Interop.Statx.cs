using System.Runtime.InteropServices;

namespace KnockKnock.Crypto;

internal static partial class Interop
{
    // linux/fcntl.h, linux/stat.h
    private const int AT_FDCWD = -100;
    private const int AT_SYMLINK_NOFOLLOW = 0x100;
    private const uint STATX_TYPE = 0x1;
    private const uint STATX_MODE = 0x2;
    private const uint STATX_UID = 0x8;

    /// <summary>
    /// int statx(int dirfd, const char *pathname, int flags, unsigned int mask, struct statx *statxbuf).
    /// Used instead of lstat: glibc exports lstat only since 2.33 (older ones have __lxstat), while
    /// statx is exported since 2.28 and has one layout on every architecture.
    /// </summary>
    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static unsafe partial int Statx(int directoryFd, byte* path, int flags, uint mask, StatxBuffer* buffer);

    /// <summary>struct statx (linux/stat.h, 256 bytes): only the fields read here.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct StatxBuffer
    {
        [FieldOffset(20)]
        public uint Uid;

        /// <summary>File type and permission bits, as st_mode.</summary>
        [FieldOffset(28)]
        public ushort Mode;
    }
}
