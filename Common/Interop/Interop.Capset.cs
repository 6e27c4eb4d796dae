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
    /// Empties the calling thread's effective, permitted and inheritable capability sets
    /// (capabilities(7)). Only this thread: the kernel keeps credentials per thread and the raw
    /// syscall does not reach the others, so the caller must be a thread of its own that nothing
    /// else runs on. A child it forks starts with these empty sets.
    /// </summary>
    public static unsafe void DropThreadCapabilities()
    {
        var header = new CapabilityHeader { Version = LinuxCapabilityVersion3 };
        var data = stackalloc CapabilityData[2];
        data[0] = default;
        data[1] = default;
        Check(CapsetNative(&header, data), "capset");
    }
}
