namespace KnockKnock.Client.Socks;

/// <summary>
/// The client's first message (RFC 1928, section 3): VER (5) | NMETHODS (1-255) | METHODS. This
/// proxy speaks only method X'00', no authentication: the server's answer is VER | X'00' when the
/// client offers it, VER | X'FF' (no acceptable methods; the client must close) otherwise and for
/// any malformed greeting (another version, such as a SOCKS4 request, or no methods).
/// </summary>
internal static class SocksGreeting
{
    public const byte Version = 5;
    public const byte NoAuthentication = 0x00;
    public const byte NoAcceptableMethods = 0xFF;

    /// <summary>The longest greeting: 2 + 255 methods.</summary>
    public const int MaximumLength = 2 + 255;

    /// <summary>
    /// Parses the greeting at the start of <paramref name="data"/>. Complete: <paramref name="length"/>
    /// bytes, and <paramref name="acceptable"/> says whether it offers no authentication.
    /// </summary>
    public static SocksParse TryParse(ReadOnlySpan<byte> data, out int length, out bool acceptable)
    {
        length = 0;
        acceptable = false;
        if (data.Length >= 1 && data[0] != Version)
        {
            return SocksParse.Malformed;
        }
        if (data.Length >= 2 && data[1] == 0)
        {
            return SocksParse.Malformed;
        }
        if (data.Length < 2 || data.Length < 2 + data[1])
        {
            return SocksParse.Incomplete;
        }
        length = 2 + data[1];
        acceptable = data[2..length].Contains(NoAuthentication);
        return SocksParse.Complete;
    }

    /// <summary>The server's method selection: no authentication, or no acceptable method.</summary>
    public static byte[] Reply(bool acceptable) => [Version, acceptable ? NoAuthentication : NoAcceptableMethods];
}
