using System.Runtime.InteropServices;

namespace KnockKnock;

internal static unsafe partial class Interop
{
    /// <summary>
    /// void nettle_hkdf_extract(void *mac_ctx, nettle_hash_update_func *update, nettle_hash_digest_func *digest,
    /// size_t digest_size, size_t secret_size, const uint8_t *secret, uint8_t *dst): RFC 5869's
    /// HKDF-Extract, PRK = MAC(salt, secret), with the MAC keyed by the salt in mac_ctx. Never fails.
    /// </summary>
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [LibraryImport(LibNettle, EntryPoint = "nettle_hkdf_extract")]
    public static partial void NettleHkdfExtract(void* macContext, nint update, nint digest, nuint digestSize, nuint secretSize, byte* secret, byte* destination);
}
