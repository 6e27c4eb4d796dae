using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>int nft_ctx_buffer_output(struct nft_ctx *ctx): 0 when output now goes to a buffer instead of stdout.</summary>
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [LibraryImport(LibNftables, EntryPoint = "nft_ctx_buffer_output")]
    public static partial int NftCtxBufferOutput(nint context);
}
