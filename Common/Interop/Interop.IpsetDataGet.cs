using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>const void *ipset_data_get(const struct ipset_data *data, enum ipset_opt opt): NULL (0) when the option is not set.</summary>
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [LibraryImport(LibIpset, EntryPoint = "ipset_data_get")]
    private static partial nint IpsetDataGetNative(nint data, int option);

    /// <summary>A one-byte option (the family): its value, or null when it is not set.</summary>
    public static unsafe byte? IpsetDataGetByte(nint data, int option)
    {
        var value = IpsetDataGetNative(data, option);
        return value == 0 ? null : *(byte*)value;
    }
}
