using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    // What the protocols call, resolved once up front: a missing or older library fails here, as one message.
    private static readonly string[] s_nettleFunctions =
        ["nettle_aes256_set_encrypt_key", "nettle_aes256_encrypt", "nettle_hmac_sha256_set_key", "nettle_hkdf_extract", "nettle_hkdf_expand"];

    private static (nint Update, nint Digest)? s_nettleHmacSha256;

    /// <summary>
    /// Loads libnettle.so.8 (from the system's library path, as the Nettle imports do) and checks
    /// once that it has every function they call; returns the addresses of
    /// nettle_hmac_sha256_update and nettle_hmac_sha256_digest, which HKDF-Extract and HKDF-Expand
    /// take as their MAC (this code never calls them itself). Called before the first Nettle call of
    /// a key derivation or an AES key: an <see cref="InvalidOperationException"/> naming the library
    /// and the package where it does not load (the commands print it as one line).
    /// </summary>
    public static (nint HmacSha256Update, nint HmacSha256Digest) LoadNettle()
    {
        if (s_nettleHmacSha256 is { } known)
        {
            return known;
        }
        try
        {
            var nettle = NativeLibrary.Load(LibNettle, typeof(Interop).Assembly, DllImportSearchPath.System32);
            foreach (var function in s_nettleFunctions)
            {
                _ = NativeLibrary.GetExport(nettle, function);
            }
            var callbacks = (NativeLibrary.GetExport(nettle, "nettle_hmac_sha256_update"), NativeLibrary.GetExport(nettle, "nettle_hmac_sha256_digest"));
            s_nettleHmacSha256 = callbacks;
            return callbacks;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            throw new InvalidOperationException(
                $"cannot use {LibNettle}, GNU Nettle (Debian: apt-get install libnettle8): {e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1]}", e);
        }
    }
}
