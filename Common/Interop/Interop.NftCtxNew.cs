using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>NFT_CTX_DEFAULT: the only flags value of nft_ctx_new (any other opens no netlink socket).</summary>
    public const uint NFT_CTX_DEFAULT = 0;

    /// <summary>struct nft_ctx *nft_ctx_new(uint32_t flags): NULL (0) on failure.</summary>
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [LibraryImport(LibNftables, EntryPoint = "nft_ctx_new")]
    public static partial nint NftCtxNew(uint flags);
}
