using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>int nft_ctx_buffer_error(struct nft_ctx *ctx): 0 when error messages now go to a buffer instead of stderr.</summary>
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [LibraryImport(LibNftables, EntryPoint = "nft_ctx_buffer_error")]
    public static partial int NftCtxBufferError(nint context);
}
