namespace KnockKnock.Crypto.Protocol;

/// <summary>The address family a v2 knock travels in: it decides which header field carries the ciphertext and how long the tag is.</summary>
public enum KnockFamily
{
    /// <summary>IPv4: the IP ID carries the ciphertext; 64-bit tag.</summary>
    IPv4,

    /// <summary>IPv6: the flow label carries the ciphertext and 4 tag bits; 68-bit tag.</summary>
    IPv6,
}
