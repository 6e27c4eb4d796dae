using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>void ipset_session_report_reset(struct ipset_session *session): forgets the last report, so the next command starts clean.</summary>
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [LibraryImport(LibIpset, EntryPoint = "ipset_session_report_reset")]
    public static partial void IpsetSessionReportReset(nint session);
}
