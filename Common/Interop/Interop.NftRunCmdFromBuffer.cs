using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>
    /// int nft_run_cmd_from_buffer(struct nft_ctx *nft, const char *buf): runs the commands of
    /// <paramref name="commands"/> as one transaction; 0 when all applied, else nothing applied and
    /// the reason is in the error buffer (errno means nothing afterwards).
    /// </summary>
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [LibraryImport(LibNftables, EntryPoint = "nft_run_cmd_from_buffer", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int NftRunCmdFromBuffer(nint context, string commands);
}
