namespace KnockKnock.Crypto.Protocol;

/// <summary>
/// The header bits that carry a v2 knock (docs/PROTOCOL.md, "Version 2"): the carrier (the IPv4
/// IP ID, 16 bits, or the IPv6 flow label, 20 bits), the TCP sequence number and the TCP timestamp
/// value TSval. 80 bits over IPv4, 84 over IPv6. Everything else in the SYN is the client kernel's own.
/// </summary>
public readonly record struct KnockFieldsV2(uint Carrier, uint Sequence, uint Timestamp)
{
    /// <summary>
    /// Whether a carried field is 0: a kernel would fill in a zero IP ID and use a zero flow label
    /// only for unlabelled flows, and a zero sequence number or TSval is a fingerprint quirk (p0f's
    /// <c>seq-</c>, <c>ts1-</c>); the client skips such counters, so they never appear in a knock.
    /// </summary>
    public bool HasZeroField => Carrier == 0 || Sequence == 0 || Timestamp == 0;

    /// <summary>The fields as LOG lines name them: <c>ID=</c> (IPv4) or <c>FLOWLBL=</c> (IPv6), <c>SEQ=</c>, <c>TSVAL=</c>.</summary>
    public string ToString(KnockFamily family) => $"{(family == KnockFamily.IPv4 ? "ID" : "FLOWLBL")}={Carrier} SEQ={Sequence} TSVAL={Timestamp}";
}
