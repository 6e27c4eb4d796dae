namespace KnockKnock.Client;

/// <summary>
/// Uniform random integers from the kernel's CSPRNG (getrandom), for the knock's source port, the
/// decoy connection's port and the IPv6 retransmissions' flow labels. The BCL's RandomNumberGenerator
/// would load OpenSSL into every knock for these few bytes (docs/PERFORMANCE.md, section 3).
/// </summary>
internal static class KernelRandom
{
    /// <summary>
    /// A value in [<paramref name="fromInclusive"/>, <paramref name="toExclusive"/>), each equally likely:
    /// draws under the smallest covering power of two are retried until one falls in the range.
    /// </summary>
    public static int GetInt32(int fromInclusive, int toExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(fromInclusive, toExclusive);
        // Two's complement: the distance is right as a uint even where the int subtraction would overflow.
        var range = unchecked((uint)toExclusive - (uint)fromInclusive);
        var mask = uint.MaxValue >> System.Numerics.BitOperations.LeadingZeroCount(range - 1 | 1);
        Span<byte> bytes = stackalloc byte[sizeof(uint)];
        while (true)
        {
            Interop.GetRandom(bytes);
            var value = BitConverter.ToUInt32(bytes) & mask;
            if (value < range)
            {
                return unchecked((int)((uint)fromInclusive + value));
            }
        }
    }
}
