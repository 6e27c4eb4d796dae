using KnockKnock.Crypto.Counters;
using KnockKnock.Crypto.Profiles;
using KnockKnock.Crypto.Protocol;

namespace KnockKnock.Daemon.Knocks;

/// <summary>
/// A profile as the daemon uses it: keys derived once, and the counter it accepts next. The live
/// counter lives in STATE_DIR/NAME/counter, owned by the unprivileged daemon user so it stays
/// writable after the privilege drop; the profile's own (root-owned) counter only seeds it. At
/// start the state counter becomes max(state, profile): counters only ever move forward, so an
/// admin can resynchronise by raising the profile's counter, never reopen old knocks by lowering it.
/// </summary>
internal sealed class ServerProfile : IDisposable
{
    private long _lastAcceptedTicks;

    private ServerProfile(Profile profile, KnockCipher cipher, CounterStore counter, ulong nextCounter)
    {
        Profile = profile;
        Cipher = cipher;
        Counter = counter;
        NextCounter = nextCounter;
    }

    public Profile Profile { get; }

    public KnockCipher Cipher { get; }

    public CounterStore Counter { get; }

    /// <summary>The first counter value the next knock may use (cached; the file is the truth).</summary>
    public ulong NextCounter { get; private set; }

    /// <summary>Takes a loaded profile (owned by root) and opens or seeds its state counter (owned by <paramref name="stateOwner"/>); disposes the profile on failure.</summary>
    public static ServerProfile Load(Profile profile, string stateDirectory, uint stateOwner, uint stateGroup)
    {
        try
        {
            ulong seed;
            using (var own = profile.OpenCounter())
            {
                seed = own.Read();
            }
            var directory = Path.Combine(stateDirectory, profile.Name);
            if (!Directory.Exists(directory))
            {
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                StateDirectory.Chown(directory, stateOwner, stateGroup);
            }
            if (!File.Exists(Path.Combine(directory, CounterStore.FileName)))
            {
                CounterStore.Create(directory, seed, stateOwner);
            }
            var counter = CounterStore.Open(directory, stateOwner);
            try
            {
                var next = counter.Advance(seed);
                return new ServerProfile(profile, profile.CreateCipher(), counter, next);
            }
            catch
            {
                counter.Dispose();
                throw;
            }
        }
        catch
        {
            profile.Dispose();
            throw;
        }
    }

    /// <summary>When this profile's last knock opened a port (for status), or null.</summary>
    public DateTimeOffset? LastAccepted
    {
        // Written by the knock thread, read by the status publisher: one atomic 64-bit value.
        get => Interlocked.Read(ref _lastAcceptedTicks) is var ticks and not 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;
        set => Interlocked.Exchange(ref _lastAcceptedTicks, value?.UtcTicks ?? 0);
    }

    /// <summary>Durably stores matched+1 before anything is opened; a failure here opens nothing.</summary>
    public void Accept(ulong matchedCounter) => NextCounter = Counter.Advance(checked(matchedCounter + 1));

    public void Dispose()
    {
        Cipher.Dispose();
        Counter.Dispose();
        Profile.Dispose();
    }
}
