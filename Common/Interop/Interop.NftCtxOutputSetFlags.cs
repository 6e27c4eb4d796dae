using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>NFT_CTX_OUTPUT_TERSE: listings leave out set elements (nft -t).</summary>
    public const uint NFT_CTX_OUTPUT_TERSE = 1 << 11;

    /// <summary>void nft_ctx_output_set_flags(struct nft_ctx *ctx, unsigned int flags)</summary>
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [LibraryImport(LibNftables, EntryPoint = "nft_ctx_output_set_flags")]
    public static partial void NftCtxOutputSetFlags(nint context, uint flags);
}
