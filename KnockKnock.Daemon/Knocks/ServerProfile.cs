using KnockKnock.Crypto.Profiles;
using KnockKnock.Crypto.Protocol;
using KnockKnock.Daemon.Log;

namespace KnockKnock.Daemon.Knocks;

/// <summary>
/// A profile as the daemon uses it: keys derived once (v1, or v2 for each family), and the counter
/// it accepts next. The durable counter is root's (<see cref="ServerCounters"/>, written by the
/// worker before each opening); this is the daemon's copy of where the window starts, moved forward
/// after each knock it used.
/// </summary>
internal sealed class ServerProfile : IDisposable
{
    private readonly KnockCipher? _v1;
    private readonly KnockCipherV2? _v2IPv4;
    private readonly KnockCipherV2? _v2IPv6;
    private long _lastAcceptedTicks;

    public ServerProfile(Profile profile, ulong nextCounter)
    {
        Profile = profile;
        if (profile.Protocol == 1)
        {
            _v1 = profile.CreateCipher();
        }
        else
        {
            _v2IPv4 = profile.CreateCipherV2(KnockFamily.IPv4);
            _v2IPv6 = profile.CreateCipherV2(KnockFamily.IPv6);
        }
        NextCounter = nextCounter;
    }

    public Profile Profile { get; }

    /// <summary>Whether this profile's clients follow a knock with decoy retransmissions (protocol 2).</summary>
    public bool RetransmitsKnocks => _v1 is null;

    /// <summary>The first counter value the next knock may use.</summary>
    public ulong NextCounter { get; private set; }

    /// <summary>When this profile's last knock opened a port (for status), or null.</summary>
    public DateTimeOffset? LastAccepted
    {
        // Written by the knock thread, read by the status publisher: one atomic 64-bit value.
        get => Interlocked.Read(ref _lastAcceptedTicks) is var ticks and not 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;
        set => Interlocked.Exchange(ref _lastAcceptedTicks, value?.UtcTicks ?? 0);
    }

    /// <summary>
    /// Checks a LOG line as a knock of this profile's protocol over the counter window (tag first):
    /// v1 reads ID, SEQ, ACK and WINDOW of an IPv4 SYN; v2 reads ID or FLOWLBL, SEQ and TSVAL.
    /// False for anything that is not an authentic, unused knock of this profile.
    /// </summary>
    public bool TryOpen(in KnockLine knock, int window, out ulong matchedCounter, out ushort port)
    {
        matchedCounter = 0;
        port = 0;
        if (_v1 is not null)
        {
            // v1 knocks are IPv4 SYNs: an IPv6 line's carrier is a 20-bit flow label, never an ID.
            return knock.Source.IsIPv4
                && _v1.TryOpen(new KnockFields((ushort)knock.Carrier, knock.Sequence, knock.Acknowledgment, knock.Window), NextCounter, window, knock.DestinationPort, knock.Source, out matchedCounter, out port);
        }
        var cipher = knock.Source.IsIPv4 ? _v2IPv4! : _v2IPv6!;
        return knock.HasTimestamp
            && cipher.TryOpen(new KnockFieldsV2(knock.Carrier, knock.Sequence, knock.Timestamp), NextCounter, window, knock.DestinationPort, knock.Source, out matchedCounter, out port);
    }

    /// <summary>The knock that used <paramref name="matchedCounter"/> is spent: the window moves past it.</summary>
    public void MarkUsed(ulong matchedCounter) => NextCounter = Math.Max(NextCounter, checked(matchedCounter + 1));

    public void Dispose()
    {
        _v1?.Dispose();
        _v2IPv4?.Dispose();
        _v2IPv6?.Dispose();
        Profile.Dispose();
    }
}
