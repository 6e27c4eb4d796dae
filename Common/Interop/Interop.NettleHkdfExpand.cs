using System.Runtime.InteropServices;

namespace KnockKnock;

internal static unsafe partial class Interop
{
    /// <summary>
    /// void nettle_hkdf_expand(void *mac_ctx, nettle_hash_update_func *update, nettle_hash_digest_func *digest,
    /// size_t digest_size, size_t info_size, const uint8_t *info, size_t length, uint8_t *dst):
    /// RFC 5869's HKDF-Expand, with the MAC keyed by the PRK in mac_ctx. Never fails.
    /// </summary>
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [LibraryImport(LibNettle, EntryPoint = "nettle_hkdf_expand")]
    public static partial void NettleHkdfExpand(void* macContext, nint update, nint digest, nuint digestSize, nuint infoSize, byte* info, nuint length, byte* destination);
}
