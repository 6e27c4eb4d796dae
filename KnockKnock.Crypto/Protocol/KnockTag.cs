namespace KnockKnock.Crypto.Protocol;

/// <summary>
/// Tag truncation (docs/PROTOCOL.md): a tag is the leftmost bits of the 128-bit PRF output, as in
/// NIST SP 800-38B's MSB truncation: 80 bits in version 1 (96 knock bits less the 16-bit
/// ciphertext), 64 in version 2 over IPv4 (80 less 16), 68 over IPv6 (84 less 16). A tag of n bits
/// is held left-aligned in ceil(n/8) bytes, the unused low bits of the last byte 0. This is the only
/// place a tag is shortened or compared.
/// </summary>
internal static class KnockTag
{
    public const int BitsV1 = 80;
    public const int BitsV2IPv4 = 64;
    public const int BitsV2IPv6 = 68;

    /// <summary>The bytes a tag of <paramref name="bits"/> bits takes.</summary>
    public static int Bytes(int bits) => (bits + 7) / 8;

    /// <summary>Writes the leftmost <paramref name="bits"/> bits of <paramref name="prfOutput"/>, left-aligned.</summary>
    public static void Truncate(ReadOnlySpan<byte> prfOutput, int bits, Span<byte> tag)
    {
        var bytes = Bytes(bits);
        prfOutput[..bytes].CopyTo(tag);
        tag[bytes - 1] &= LastByteMask(bits);
    }

    /// <summary>
    /// Whether the leftmost <paramref name="bits"/> bits of <paramref name="prfOutput"/> equal
    /// <paramref name="tag"/> (left-aligned), in time that does not depend on where they differ.
    /// </summary>
    public static bool Matches(ReadOnlySpan<byte> prfOutput, ReadOnlySpan<byte> tag, int bits)
    {
        var whole = bits / 8;
        var wholeEqual = System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(prfOutput[..whole], tag[..whole]);
        var restEqual = bits % 8 == 0 || ((prfOutput[whole] ^ tag[whole]) & LastByteMask(bits)) == 0;
        return wholeEqual & restEqual;
    }

    private static byte LastByteMask(int bits) => unchecked((byte)(0xFF << ((8 - (bits % 8)) % 8)));
}
