using System.Runtime.InteropServices;

namespace KnockKnock;

internal static unsafe partial class Interop
{
    /// <summary>
    /// sizeof(struct aes256_ctx) in GNU Nettle: 60 round-key words (240 bytes; libnettle.so.8, which
    /// keeps that layout for its whole soname). The caller allocates it.
    /// </summary>
    public const int NettleAes256ContextSize = 240;

    /// <summary>void nettle_aes256_set_encrypt_key(struct aes256_ctx *ctx, const uint8_t *key): expands a 32-byte key. Never fails.</summary>
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [LibraryImport(LibNettle, EntryPoint = "nettle_aes256_set_encrypt_key")]
    public static partial void NettleAes256SetEncryptKey(void* context, byte* key);
}
