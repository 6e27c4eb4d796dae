using System.Runtime.InteropServices;

namespace KnockKnock.Daemon;

internal static partial class Interop
{
    // linux/fcntl.h, linux/stat.h
    public const int AT_FDCWD = -100;
    public const int AT_EMPTY_PATH = 0x1000;
    public const uint STATX_MODE = 0x2;
    public const uint STATX_UID = 0x8;
    public const uint STATX_GID = 0x10;
    public const uint STATX_INO = 0x100;
    public const uint STATX_SIZE = 0x200;

    /// <summary>
    /// int statx(int dirfd, const char *pathname, int flags, unsigned int mask, struct statx *statxbuf).
    /// Used instead of stat/fstat: glibc exports those only since 2.33 (older ones have __xstat),
    /// while statx is exported since 2.28 and has one layout on every architecture.
    /// </summary>
    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true)]
    public static unsafe partial int Statx(int directoryFd, byte* path, int flags, uint mask, StatxBuffer* buffer);

    /// <summary>statx of a path (symlinks followed); throws naming the call and the path.</summary>
    public static unsafe StatxBuffer StatPath(string path, uint mask)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        StatxBuffer buffer;
        fixed (byte* p = bytes)
        {
            if (Statx(AT_FDCWD, p, 0, mask, &buffer) < 0)
            {
                throw ErrnoException("statx", path, Marshal.GetLastPInvokeError());
            }
        }
        return buffer;
    }

    /// <summary>struct statx (linux/stat.h, 256 bytes): only the fields the daemon reads.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    public struct StatxBuffer
    {
        [FieldOffset(20)]
        public uint Uid;

        [FieldOffset(24)]
        public uint Gid;

        [FieldOffset(28)]
        public ushort Mode;

        [FieldOffset(32)]
        public ulong Inode;

        [FieldOffset(40)]
        public ulong Size;

        [FieldOffset(136)]
        public uint DeviceMajor;

        [FieldOffset(140)]
        public uint DeviceMinor;

        /// <summary>The device the file lives on, as one comparable value.</summary>
        public readonly ulong Device => ((ulong)DeviceMajor << 32) | DeviceMinor;
    }
}
