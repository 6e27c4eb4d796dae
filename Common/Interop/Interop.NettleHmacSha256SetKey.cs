using System.Runtime.InteropServices;

namespace KnockKnock;

internal static unsafe partial class Interop
{
    /// <summary>
    /// Room for a struct hmac_sha256_ctx, which the caller allocates (8-byte aligned): 336 bytes in
    /// GNU Nettle 3.8 (outer, inner and running SHA-256 states), a layout libnettle.so.8 keeps for its
    /// soname; the margin costs a few bytes of stack and covers a library that differs anyway.
    /// </summary>
    public const int NettleHmacSha256ContextSize = 512;

    /// <summary>void nettle_hmac_sha256_set_key(struct hmac_sha256_ctx *ctx, size_t key_length, const uint8_t *key). Never fails.</summary>
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [LibraryImport(LibNettle, EntryPoint = "nettle_hmac_sha256_set_key")]
    public static partial void NettleHmacSha256SetKey(void* context, nuint keyLength, byte* key);
}
