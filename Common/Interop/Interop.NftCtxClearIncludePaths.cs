using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>void nft_ctx_clear_include_paths(struct nft_ctx *ctx): no command can then include a file relative to /etc.</summary>
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [LibraryImport(LibNftables, EntryPoint = "nft_ctx_clear_include_paths")]
    public static partial void NftCtxClearIncludePaths(nint context);
}
