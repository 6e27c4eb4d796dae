using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>void ipset_data_reset(struct ipset_data *data): clears every option, as a command that ran does.</summary>
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [LibraryImport(LibIpset, EntryPoint = "ipset_data_reset")]
    public static partial void IpsetDataReset(nint data);
}
