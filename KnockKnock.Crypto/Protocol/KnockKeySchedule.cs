using System.Security.Cryptography;

namespace KnockKnock.Crypto.Protocol;

/// <summary>
/// Key derivation for knock protocols v1 and v2 (docs/PROTOCOL.md, "Keys"). HKDF-SHA256 (RFC 5869)
/// with an empty salt over the profile's 256-bit secret; the info labels name the protocol version,
/// and each MAC label also the source-binding mode (and in v2 the address family), so each version,
/// mode and family authenticates under its own key. GNU Nettle's HKDF and HMAC-SHA256, the library
/// the AES keys use: a knock loads no other crypto library (docs/PERFORMANCE.md, section 3).
/// </summary>
internal static unsafe class KnockKeySchedule
{
    public const int KeySize = Aes256Key.KeySize;

    private const int HashSize = 32;

    public static ReadOnlySpan<byte> EncryptionLabel => "KnockKnock v1 encryption"u8;

    public static ReadOnlySpan<byte> MacLabel => "KnockKnock v1 mac"u8;

    public static ReadOnlySpan<byte> BoundMacLabel => "KnockKnock v1 mac bound-source"u8;

    public static ReadOnlySpan<byte> EncryptionLabelV2 => "KnockKnock v2 encryption"u8;

    /// <summary>Writes K_enc and K_mac (32 bytes each) derived from the secret (v1).</summary>
    public static void Derive(ReadOnlySpan<byte> secret, bool bindSource, Span<byte> encryptionKey, Span<byte> macKey)
    {
        DeriveKeys(secret, encryptionKey, EncryptionLabel, macKey, bindSource ? BoundMacLabel : MacLabel);
    }

    /// <summary>The v2 MAC label: <c>KnockKnock v2 mac ipv4</c>, <c>... ipv6</c>, each with <c> bound-source</c> when the profile binds it.</summary>
    public static byte[] MacLabelV2(KnockFamily family, bool bindSource)
        => System.Text.Encoding.ASCII.GetBytes($"KnockKnock v2 mac {(family == KnockFamily.IPv4 ? "ipv4" : "ipv6")}{(bindSource ? " bound-source" : "")}");

    /// <summary>Writes K_enc and the MAC key of one family (32 bytes each) derived from the secret (v2).</summary>
    public static void DeriveV2(ReadOnlySpan<byte> secret, bool bindSource, KnockFamily family, Span<byte> encryptionKey, Span<byte> macKey)
    {
        DeriveKeys(secret, encryptionKey, EncryptionLabelV2, macKey, MacLabelV2(family, bindSource));
    }

    /// <summary>
    /// HKDF-SHA256 (RFC 5869) with an empty salt, both steps Nettle's: PRK = HMAC(salt, secret) once,
    /// then each key from HMAC(PRK, info | ...). The HMAC state and the PRK are wiped before returning.
    /// </summary>
    private static void DeriveKeys(ReadOnlySpan<byte> secret, Span<byte> first, ReadOnlySpan<byte> firstInfo, Span<byte> second, ReadOnlySpan<byte> secondInfo)
    {
        var nettle = Interop.LoadNettle();
        // ulong elements: Nettle's context holds 64-bit counters and wants their alignment.
        Span<ulong> context = stackalloc ulong[Interop.NettleHmacSha256ContextSize / sizeof(ulong)];
        Span<byte> prk = stackalloc byte[HashSize];
        try
        {
            fixed (ulong* mac = context)
            fixed (byte* secretBytes = secret, prkBytes = prk)
            {
                // An empty salt is HashLen zero bytes (RFC 5869, 2.2), which HMAC's key padding makes the same key.
                nettle.HmacSha256SetKey(mac, 0, prkBytes);
                nettle.HkdfExtract(mac, nettle.HmacSha256Update, nettle.HmacSha256Digest, HashSize, (nuint)secret.Length, secretBytes, prkBytes);
                // Keyed once: Nettle's HMAC digest leaves the context keyed for the next message.
                nettle.HmacSha256SetKey(mac, HashSize, prkBytes);
                Expand(mac, first, firstInfo);
                Expand(mac, second, secondInfo);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(context));
            CryptographicOperations.ZeroMemory(prk);
        }

        void Expand(ulong* mac, Span<byte> output, ReadOnlySpan<byte> info)
        {
            fixed (byte* infoBytes = info, outputBytes = output)
            {
                nettle.HkdfExpand(mac, nettle.HmacSha256Update, nettle.HmacSha256Digest, HashSize, (nuint)info.Length, infoBytes, (nuint)output.Length, outputBytes);
            }
        }
    }
}
