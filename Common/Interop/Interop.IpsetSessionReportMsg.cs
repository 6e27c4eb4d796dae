using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>const char *ipset_session_report_msg(const struct ipset_session *session): owned by the session.</summary>
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [LibraryImport(LibIpset, EntryPoint = "ipset_session_report_msg")]
    private static partial nint IpsetSessionReportMsgNative(nint session);

    /// <summary>The session's last error or warning text (a copy), "" when there is none.</summary>
    public static string IpsetSessionReportMsg(nint session) => Marshal.PtrToStringUTF8(IpsetSessionReportMsgNative(session)) ?? "";
}
