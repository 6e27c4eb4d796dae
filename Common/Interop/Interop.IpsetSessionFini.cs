using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>int ipset_session_fini(struct ipset_session *session): frees the session and closes its netlink socket.</summary>
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [LibraryImport(LibIpset, EntryPoint = "ipset_session_fini")]
    public static partial int IpsetSessionFini(nint session);
}
