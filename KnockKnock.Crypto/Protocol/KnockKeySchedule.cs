using System.Security.Cryptography;

namespace KnockKnock.Crypto.Protocol;

/// <summary>
/// Key derivation for knock protocols v1 and v2 (docs/PROTOCOL.md, "Keys"). HKDF-SHA256 (RFC 5869)
/// with an empty salt over the profile's 256-bit secret; the info labels name the protocol version,
/// and each MAC label also the source-binding mode (and in v2 the address family), so each version,
/// mode and family authenticates under its own key. The BCL's HKDF (OpenSSL), the library the AES
/// keys need anyway: a knock loads no other crypto library (docs/PERFORMANCE.md, section 3).
/// </summary>
internal static class KnockKeySchedule
{
    public const int KeySize = 32;

    // Every BCL cryptographic call of a knock or of the daemon comes after a derivation here.
    static KnockKeySchedule() => OpenSslStart.WithoutErrorStrings();

    public static ReadOnlySpan<byte> EncryptionLabel => "KnockKnock v1 encryption"u8;

    public static ReadOnlySpan<byte> MacLabel => "KnockKnock v1 mac"u8;

    public static ReadOnlySpan<byte> BoundMacLabel => "KnockKnock v1 mac bound-source"u8;

    public static ReadOnlySpan<byte> EncryptionLabelV2 => "KnockKnock v2 encryption"u8;

    /// <summary>Writes K_enc and K_mac (32 bytes each) derived from the secret (v1).</summary>
    public static void Derive(ReadOnlySpan<byte> secret, bool bindSource, Span<byte> encryptionKey, Span<byte> macKey)
    {
        HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, encryptionKey, ReadOnlySpan<byte>.Empty, EncryptionLabel);
        HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, macKey, ReadOnlySpan<byte>.Empty, bindSource ? BoundMacLabel : MacLabel);
    }

    /// <summary>The v2 MAC label: <c>KnockKnock v2 mac ipv4</c>, <c>... ipv6</c>, each with <c> bound-source</c> when the profile binds it.</summary>
    public static byte[] MacLabelV2(KnockFamily family, bool bindSource)
        => System.Text.Encoding.ASCII.GetBytes($"KnockKnock v2 mac {(family == KnockFamily.IPv4 ? "ipv4" : "ipv6")}{(bindSource ? " bound-source" : "")}");

    /// <summary>Writes K_enc and the MAC key of one family (32 bytes each) derived from the secret (v2).</summary>
    public static void DeriveV2(ReadOnlySpan<byte> secret, bool bindSource, KnockFamily family, Span<byte> encryptionKey, Span<byte> macKey)
    {
        HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, encryptionKey, ReadOnlySpan<byte>.Empty, EncryptionLabelV2);
        HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, macKey, ReadOnlySpan<byte>.Empty, MacLabelV2(family, bindSource));
    }
}
