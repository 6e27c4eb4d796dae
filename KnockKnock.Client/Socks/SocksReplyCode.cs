namespace KnockKnock.Client.Socks;

/// <summary>The REP field of a SOCKS5 reply (RFC 1928, section 6).</summary>
internal enum SocksReplyCode : byte
{
    Succeeded = 0x00,
    GeneralFailure = 0x01,
    NotAllowedByRuleset = 0x02,
    NetworkUnreachable = 0x03,
    HostUnreachable = 0x04,
    ConnectionRefused = 0x05,
    TtlExpired = 0x06,
    CommandNotSupported = 0x07,
    AddressTypeNotSupported = 0x08,
}
