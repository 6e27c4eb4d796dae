using NSec.Cryptography;

namespace KnockKnock.Crypto.Protocol;

/// <summary>
/// Key derivation for knock protocol v1 (docs/PROTOCOL.md, "Keys"). HKDF-SHA256 (RFC 5869) with an
/// empty salt over the profile's 256-bit secret; the info labels name the protocol version, and the
/// MAC label also the source-binding mode, so each version and mode authenticates under its own key.
/// </summary>
internal static class KnockKeySchedule
{
    public const int KeySize = 32;

    public static ReadOnlySpan<byte> EncryptionLabel => "KnockKnock v1 encryption"u8;

    public static ReadOnlySpan<byte> MacLabel => "KnockKnock v1 mac"u8;

    public static ReadOnlySpan<byte> BoundMacLabel => "KnockKnock v1 mac bound-source"u8;

    /// <summary>Writes K_enc and K_mac (32 bytes each) derived from the secret.</summary>
    public static void Derive(ReadOnlySpan<byte> secret, bool bindSource, Span<byte> encryptionKey, Span<byte> macKey)
    {
        var hkdf = KeyDerivationAlgorithm.HkdfSha256;
        hkdf.DeriveBytes(secret, ReadOnlySpan<byte>.Empty, EncryptionLabel, encryptionKey);
        hkdf.DeriveBytes(secret, ReadOnlySpan<byte>.Empty, bindSource ? BoundMacLabel : MacLabel, macKey);
    }

}
