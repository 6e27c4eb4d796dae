using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>const char *nft_ctx_get_output_buffer(struct nft_ctx *ctx): owned by the context; reading it empties it.</summary>
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [LibraryImport(LibNftables, EntryPoint = "nft_ctx_get_output_buffer")]
    private static partial nint NftCtxGetOutputBufferNative(nint context);

    /// <summary>What the commands since the last call printed (a copy; the buffer is emptied).</summary>
    public static string NftCtxGetOutputBuffer(nint context) => Marshal.PtrToStringUTF8(NftCtxGetOutputBufferNative(context)) ?? "";
}
