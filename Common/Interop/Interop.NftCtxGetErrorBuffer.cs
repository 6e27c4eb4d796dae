using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>const char *nft_ctx_get_error_buffer(struct nft_ctx *ctx): owned by the context; reading it empties it.</summary>
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [LibraryImport(LibNftables, EntryPoint = "nft_ctx_get_error_buffer")]
    private static partial nint NftCtxGetErrorBufferNative(nint context);

    /// <summary>The error messages of the commands since the last call (a copy; the buffer is emptied).</summary>
    public static string NftCtxGetErrorBuffer(nint context) => Marshal.PtrToStringUTF8(NftCtxGetErrorBufferNative(context)) ?? "";
}
