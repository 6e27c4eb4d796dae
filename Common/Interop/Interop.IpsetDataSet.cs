using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    // enum ipset_opt (libipset/data.h, libipset13): the arguments a command takes.
    public const int IPSET_SETNAME = 1;
    public const int IPSET_OPT_TYPENAME = 2;
    public const int IPSET_OPT_FAMILY = 3;
    public const int IPSET_OPT_IP = 4;
    public const int IPSET_OPT_PORT = 8;
    public const int IPSET_OPT_TIMEOUT = 10;
    public const int IPSET_OPT_MAXELEM = 13;
    public const int IPSET_OPT_PROTO = 30;

    /// <summary>
    /// int ipset_data_set(struct ipset_data *data, enum ipset_opt opt, const void *value): copies
    /// the value (a NUL-terminated name; uint8_t family and protocol; union nf_inet_addr, 16 bytes,
    /// of which the set's family decides how many are read; uint16_t port and uint32_t seconds and
    /// counts in host order); -1 when the option does not fit (an address before the family is known).
    /// </summary>
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [LibraryImport(LibIpset, EntryPoint = "ipset_data_set")]
    private static unsafe partial int IpsetDataSetNative(nint data, int option, void* value);

    public static unsafe int IpsetDataSet(nint data, int option, ReadOnlySpan<byte> value)
    {
        fixed (byte* pointer = value)
        {
            return IpsetDataSetNative(data, option, pointer);
        }
    }
}
