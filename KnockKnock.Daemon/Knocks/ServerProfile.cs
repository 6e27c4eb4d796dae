using KnockKnock.Crypto.Profiles;
using KnockKnock.Crypto.Protocol;

namespace KnockKnock.Daemon.Knocks;

/// <summary>
/// A profile as the daemon uses it: keys derived once, and the counter it accepts next. The durable
/// counter is root's (<see cref="ServerCounters"/>, written by the worker before each opening); this
/// is the daemon's copy of where the window starts, moved forward after each knock it used.
/// </summary>
internal sealed class ServerProfile : IDisposable
{
    private long _lastAcceptedTicks;

    public ServerProfile(Profile profile, ulong nextCounter)
    {
        Profile = profile;
        Cipher = profile.CreateCipher();
        NextCounter = nextCounter;
    }

    public Profile Profile { get; }

    public KnockCipher Cipher { get; }

    /// <summary>The first counter value the next knock may use.</summary>
    public ulong NextCounter { get; private set; }

    /// <summary>When this profile's last knock opened a port (for status), or null.</summary>
    public DateTimeOffset? LastAccepted
    {
        // Written by the knock thread, read by the status publisher: one atomic 64-bit value.
        get => Interlocked.Read(ref _lastAcceptedTicks) is var ticks and not 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;
        set => Interlocked.Exchange(ref _lastAcceptedTicks, value?.UtcTicks ?? 0);
    }

    /// <summary>The knock that used <paramref name="matchedCounter"/> is spent: the window moves past it.</summary>
    public void MarkUsed(ulong matchedCounter) => NextCounter = Math.Max(NextCounter, checked(matchedCounter + 1));

    public void Dispose()
    {
        Cipher.Dispose();
        Profile.Dispose();
    }
}
