using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>IPSET_ENV_EXIST (ipset -exist): create of an identical set, add of a present element (its timeout is renewed) and del of an absent one succeed.</summary>
    public const int IPSET_ENV_EXIST = 1 << 3;

    /// <summary>void ipset_envopt_set(struct ipset_session *session, enum ipset_envopt env): stays set for every later command.</summary>
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [LibraryImport(LibIpset, EntryPoint = "ipset_envopt_set")]
    public static partial void IpsetEnvoptSet(nint session, int option);
}
