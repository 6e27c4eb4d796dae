using System.Runtime.InteropServices;

namespace KnockKnock;

internal static unsafe partial class Interop
{
    /// <summary>
    /// void nettle_aes256_encrypt(const struct aes256_ctx *ctx, size_t length, uint8_t *dst, const uint8_t *src):
    /// encrypts length bytes (a multiple of 16) block by block, ECB; AES-NI where the CPU has it
    /// (Nettle picks the code at load). Never fails.
    /// </summary>
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [LibraryImport(LibNettle, EntryPoint = "nettle_aes256_encrypt")]
    public static partial void NettleAes256Encrypt(void* context, nuint length, byte* destination, byte* source);
}
