using System.Runtime.InteropServices;

namespace KnockKnock;

/// <summary>struct statx (linux/stat.h, 256 bytes): the fields KnockKnock reads.</summary>
[StructLayout(LayoutKind.Explicit, Size = 256)]
internal struct StatxBuffer
{
    public const uint TypeMask = 0xF000;
    public const uint CharacterDevice = 0x2000;
    public const uint Directory = 0x4000;
    public const uint Regular = 0x8000;
    public const uint Symlink = 0xA000;

    [FieldOffset(16)]
    public uint LinkCount;

    [FieldOffset(20)]
    public uint Uid;

    [FieldOffset(24)]
    public uint Gid;

    /// <summary>File type and permission bits, as st_mode.</summary>
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

    public readonly uint Type => Mode & TypeMask;

    /// <summary>The permission bits (07777).</summary>
    public readonly uint Permissions => Mode & 0xFFFu;

    /// <summary>The device the file lives on, as one comparable value.</summary>
    public readonly ulong Device => ((ulong)DeviceMajor << 32) | DeviceMinor;
}
