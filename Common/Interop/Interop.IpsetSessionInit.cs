using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>
    /// struct ipset_session *ipset_session_init(ipset_print_outfn outfn, void *p): NULL (0) on
    /// failure. No output function: only listings print, and the worker lists nothing.
    /// </summary>
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [LibraryImport(LibIpset, EntryPoint = "ipset_session_init")]
    private static partial nint IpsetSessionInitNative(nint outputFunction, nint context);

    public static nint IpsetSessionInit() => IpsetSessionInitNative(0, 0);
}
