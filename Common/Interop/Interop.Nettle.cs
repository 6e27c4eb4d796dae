using System.Runtime.InteropServices;

namespace KnockKnock;

internal static unsafe partial class Interop
{
    /// <summary>
    /// sizeof(struct aes256_ctx) in GNU Nettle: 60 round-key words (240 bytes; libnettle.so.8, which
    /// keeps that layout for its whole soname). The caller allocates it.
    /// </summary>
    public const int NettleAes256ContextSize = 240;

    /// <summary>
    /// Room for a struct hmac_sha256_ctx, which the caller allocates (8-byte aligned): 336 bytes in
    /// GNU Nettle 3.8 (outer, inner and running SHA-256 states), a layout libnettle.so.8 keeps for its
    /// soname; the margin costs a few bytes of stack and covers a library that differs anyway.
    /// </summary>
    public const int NettleHmacSha256ContextSize = 512;

    private static NettleFunctions? s_nettle;

    /// <summary>
    /// Loads libnettle.so.8 by its soname (ld.so's own search: ld.so.cache and the system's
    /// directories, never the executable's) and resolves every function the protocols call, once.
    /// Called before the first Nettle call of a key derivation or an AES key: an
    /// <see cref="InvalidOperationException"/> naming the library and the package where the library
    /// or one of its functions is missing (the commands print it as one line).
    /// </summary>
    public static NettleFunctions LoadNettle()
    {
        if (s_nettle is { } known)
        {
            return known;
        }
        try
        {
            return s_nettle = new NettleFunctions(NativeLibrary.Load(LibNettle));
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            throw new InvalidOperationException(
                $"cannot use {LibNettle}, GNU Nettle (Debian: apt-get install libnettle8): {e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1]}", e);
        }
    }

    /// <summary>
    /// The GNU Nettle functions both knock protocols call, as addresses resolved together. Not
    /// [LibraryImport]s: NativeAOT binds an import at its first call, through the calling
    /// assembly's reflection data (for DllImportResolver callbacks), which cost a knock about 0.4 ms
    /// of start-up (docs/PERFORMANCE.md, section 3). None of these calls can fail.
    /// </summary>
    internal sealed class NettleFunctions(nint library)
    {
        /// <summary>void nettle_aes256_set_encrypt_key(struct aes256_ctx *ctx, const uint8_t *key): expands a 32-byte key.</summary>
        public readonly delegate* unmanaged<void*, byte*, void> Aes256SetEncryptKey =
            (delegate* unmanaged<void*, byte*, void>)NativeLibrary.GetExport(library, "nettle_aes256_set_encrypt_key");

        /// <summary>
        /// void nettle_aes256_encrypt(const struct aes256_ctx *ctx, size_t length, uint8_t *dst, const uint8_t *src):
        /// encrypts length bytes (a multiple of 16) block by block, ECB; AES-NI where the CPU has it
        /// (Nettle picks the code at load).
        /// </summary>
        public readonly delegate* unmanaged<void*, nuint, byte*, byte*, void> Aes256Encrypt =
            (delegate* unmanaged<void*, nuint, byte*, byte*, void>)NativeLibrary.GetExport(library, "nettle_aes256_encrypt");

        /// <summary>void nettle_hmac_sha256_set_key(struct hmac_sha256_ctx *ctx, size_t key_length, const uint8_t *key).</summary>
        public readonly delegate* unmanaged<void*, nuint, byte*, void> HmacSha256SetKey =
            (delegate* unmanaged<void*, nuint, byte*, void>)NativeLibrary.GetExport(library, "nettle_hmac_sha256_set_key");

        /// <summary>
        /// void nettle_hkdf_extract(void *mac_ctx, nettle_hash_update_func *update, nettle_hash_digest_func *digest,
        /// size_t digest_size, size_t secret_size, const uint8_t *secret, uint8_t *dst): RFC 5869's
        /// HKDF-Extract, PRK = MAC(salt, secret), with the MAC keyed by the salt in mac_ctx.
        /// </summary>
        public readonly delegate* unmanaged<void*, nint, nint, nuint, nuint, byte*, byte*, void> HkdfExtract =
            (delegate* unmanaged<void*, nint, nint, nuint, nuint, byte*, byte*, void>)NativeLibrary.GetExport(library, "nettle_hkdf_extract");

        /// <summary>
        /// void nettle_hkdf_expand(void *mac_ctx, nettle_hash_update_func *update, nettle_hash_digest_func *digest,
        /// size_t digest_size, size_t info_size, const uint8_t *info, size_t length, uint8_t *dst):
        /// RFC 5869's HKDF-Expand, with the MAC keyed by the PRK in mac_ctx.
        /// </summary>
        public readonly delegate* unmanaged<void*, nint, nint, nuint, nuint, byte*, nuint, byte*, void> HkdfExpand =
            (delegate* unmanaged<void*, nint, nint, nuint, nuint, byte*, nuint, byte*, void>)NativeLibrary.GetExport(library, "nettle_hkdf_expand");

        /// <summary>nettle_hmac_sha256_update: HKDF's MAC update function, passed to it, never called here.</summary>
        public readonly nint HmacSha256Update = NativeLibrary.GetExport(library, "nettle_hmac_sha256_update");

        /// <summary>nettle_hmac_sha256_digest: HKDF's MAC digest function, passed to it, never called here.</summary>
        public readonly nint HmacSha256Digest = NativeLibrary.GetExport(library, "nettle_hmac_sha256_digest");
    }
}
