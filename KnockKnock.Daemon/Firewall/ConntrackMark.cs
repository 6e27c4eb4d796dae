using System.Globalization;

namespace KnockKnock.Daemon.Firewall;

/// <summary>
/// The conntrack mark of a connection a knock admitted (ASCII "KK", then 1). Every backend marks
/// the SYN that uses an opening and accepts marked packets, so the SYN's retransmissions get in
/// while the opening itself is already used up.
/// </summary>
internal static class ConntrackMark
{
    public const uint Admitted = 0x4b4b0001;

    /// <summary>The mark as nft and iptables write it: <c>0x4b4b0001</c>.</summary>
    public static string Text => "0x" + Admitted.ToString("x8", CultureInfo.InvariantCulture);
}
