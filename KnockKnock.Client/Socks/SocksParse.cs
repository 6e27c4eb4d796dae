namespace KnockKnock.Client.Socks;

/// <summary>What a SOCKS parser made of the bytes received so far.</summary>
internal enum SocksParse
{
    /// <summary>Well-formed so far, but more bytes are needed.</summary>
    Incomplete,

    /// <summary>A whole message; its length says where the next one starts.</summary>
    Complete,

    /// <summary>Not a message this proxy accepts, whatever follows: answer with the error reply and close.</summary>
    Malformed,
}
