using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    // enum ipset_cmd (libipset/linux_ip_set.h)
    public const int IPSET_CMD_CREATE = 2;
    public const int IPSET_CMD_FLUSH = 4;
    public const int IPSET_CMD_ADD = 9;
    public const int IPSET_CMD_DEL = 10;

    /// <summary>
    /// int ipset_cmd(struct ipset_session *session, enum ipset_cmd cmd, uint32_t lineno): sends the
    /// command built from the session data to the kernel and waits for its answer; 0 when it was
    /// applied, else -1 with the reason in the session report. Clears the session data either way.
    /// </summary>
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [LibraryImport(LibIpset, EntryPoint = "ipset_cmd")]
    public static partial int IpsetCmd(nint session, int command, uint line);
}
