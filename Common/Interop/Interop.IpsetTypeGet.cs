using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>
    /// const struct ipset_type *ipset_type_get(struct ipset_session *session, enum ipset_cmd cmd):
    /// the type of the set the session data names (for create: the type name and family given; for
    /// add, del, test: the set's, from the library's cache or the kernel, which also fills in the
    /// set's family); NULL (0) with the reason in the session report when there is none.
    /// </summary>
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [LibraryImport(LibIpset, EntryPoint = "ipset_type_get")]
    public static partial nint IpsetTypeGet(nint session, int command);
}
