namespace KnockKnock.Crypto.Protocol;

/// <summary>
/// Tag truncation for knock protocol v1 (docs/PROTOCOL.md, "Tag"). The 96 knock bits hold a 16-bit
/// ciphertext, so 80 bits are left for the tag: the leftmost 80 bits (10 bytes) of the 128-bit PRF
/// output, as in NIST SP 800-38B's MSB truncation. This is the only place a tag is shortened.
/// </summary>
internal static class KnockTag
{
    public const int Size = 10;

    public static ReadOnlySpan<byte> Truncate(ReadOnlySpan<byte> prfOutput) => prfOutput[..Size];
}
