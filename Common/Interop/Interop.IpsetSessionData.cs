using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>struct ipset_data *ipset_session_data(const struct ipset_session *session): the next command's arguments, owned by the session.</summary>
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [LibraryImport(LibIpset, EntryPoint = "ipset_session_data")]
    public static partial nint IpsetSessionData(nint session);
}
