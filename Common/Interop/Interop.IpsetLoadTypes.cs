using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>void ipset_load_types(void): registers the set types (hash:ip,port...) with the library; once per process.</summary>
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [LibraryImport(LibIpset, EntryPoint = "ipset_load_types")]
    public static partial void IpsetLoadTypes();
}
