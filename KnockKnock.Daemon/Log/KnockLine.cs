namespace KnockKnock.Daemon.Log;

/// <summary>
/// The fields of one netfilter LOG line that carry a knock (DESIGN.md): v1 uses IP ID 16 | TCP seq
/// 32 | TCP ack 32 | TCP window 16; v2 uses IP ID (IPv4) or flow label (IPv6) | TCP seq | TSval.
/// Plus where the SYN came from, from which port, and which port it was sent to.
/// </summary>
/// <param name="Source">The source address (SRC=), IPv4 or IPv6.</param>
/// <param name="SourcePort">TCP source port (SPT=).</param>
/// <param name="DestinationPort">TCP destination port, 1-65535: the knock port.</param>
/// <param name="Carrier">The IPv4 identification (ID=, 16 bits) or the IPv6 flow label (FLOWLBL=, 20 bits).</param>
/// <param name="Sequence">TCP sequence number.</param>
/// <param name="Acknowledgment">TCP acknowledgment number (logged by --log-tcp-sequence even without the ACK flag).</param>
/// <param name="Window">TCP window.</param>
/// <param name="HasTimestamp">Whether the TCP options carried a timestamp option.</param>
/// <param name="Timestamp">Its TSval (0 without one).</param>
internal readonly record struct KnockLine(
    HostAddress Source,
    ushort SourcePort,
    ushort DestinationPort,
    uint Carrier,
    uint Sequence,
    uint Acknowledgment,
    ushort Window,
    bool HasTimestamp,
    uint Timestamp);
