using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    // linux/capability.h: _LINUX_CAPABILITY_VERSION_3 takes two data structs (capabilities 0-31 and 32-63).
    private const uint LinuxCapabilityVersion3 = 0x20080522;

    [StructLayout(LayoutKind.Sequential)]
    private struct CapabilityHeader
    {
        public uint Version;
        public int Pid;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct CapabilityData
    {
        public uint Effective;
        public uint Permitted;
        public uint Inheritable;
    }

    /// <summary>int capset(cap_user_header_t hdrp, const cap_user_data_t datap)</summary>
    [LibraryImport("libc", EntryPoint = "capset", SetLastError = true)]
    private static unsafe partial int CapsetNative(CapabilityHeader* header, CapabilityData* data);

    /// <summary>
    /// Empties this process's effective, permitted and inheritable capability sets (capabilities(7)):
    /// whatever file capabilities or root gave it, it can no longer do anything privileged.
    /// Descriptors opened before stay usable.
    /// </summary>
    public static unsafe void DropAllCapabilities()
    {
        var header = new CapabilityHeader { Version = LinuxCapabilityVersion3 };
        var data = stackalloc CapabilityData[2];
        data[0] = default;
        data[1] = default;
        Check(CapsetNative(&header, data), "capset");
    }
}
