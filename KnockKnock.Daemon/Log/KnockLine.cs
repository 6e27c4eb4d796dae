namespace KnockKnock.Daemon.Log;

/// <summary>
/// The fields of one netfilter LOG line that carry a knock (DESIGN.md: IP ID 16 | TCP seq 32 |
/// TCP ack 32 | TCP window 16), plus where it came from and which port it was sent to.
/// </summary>
/// <param name="Source">The source address (SRC=).</param>
/// <param name="DestinationPort">TCP destination port, 1-65535: the knock port.</param>
/// <param name="Id">IPv4 identification field.</param>
/// <param name="Sequence">TCP sequence number.</param>
/// <param name="Acknowledgment">TCP acknowledgment number (logged by --log-tcp-sequence even without the ACK flag).</param>
/// <param name="Window">TCP window.</param>
internal readonly record struct KnockLine(
    HostAddress Source,
    ushort DestinationPort,
    ushort Id,
    uint Sequence,
    uint Acknowledgment,
    ushort Window);
