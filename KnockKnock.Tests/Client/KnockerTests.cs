extern alias client;

using client::KnockKnock.Client;
using KnockKnock.Crypto.Counters;
using KnockKnock.Crypto.Profiles;
using KnockKnock.Crypto.Protocol;

namespace KnockKnock.Tests.Client;

[TestFixture]
public sealed class KnockerTests
{
    private static readonly byte[] s_secret = Convert.FromHexString("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F");

    [Test]
    public void A_knock_whose_IP_ID_is_0_is_never_used_the_next_counter_is()
    {
        var reserved = new List<ulong>();
        ulong next = 10;
        var (counter, fields) = Knocker.ReserveAndSeal(
            () => { reserved.Add(next); return next++; },
            c => new KnockFields(c is 10 or 11 ? (ushort)0 : (ushort)c, 1, 2, 3),
            f => f.Id != 0);

        Assert.That(counter, Is.EqualTo(12));
        Assert.That(fields.Id, Is.EqualTo(12));
        Assert.That(reserved, Is.EqualTo(new ulong[] { 10, 11, 12 }), "each counter is reserved once, in order");
    }

    [Test]
    public void A_real_counter_that_seals_to_IP_ID_0_is_skipped()
    {
        const ushort KnockPort = 7777, Port = 22;
        using var cipher = KnockCipher.Create(s_secret, bindSource: false);
        ulong zero = 0;
        var found = false;
        // About 1 counter in 65536 gives ID 0; 2^21 tries miss one with probability e^-32.
        for (ulong c = 0; c < 1UL << 21 && !found; c++)
        {
            if (cipher.Seal(c, KnockPort, Port, default).Id == 0)
            {
                (zero, found) = (c, true);
            }
        }
        Assert.That(found, Is.True, "no counter sealing to ID 0 was found");

        var next = zero;
        var (counter, fields) = Knocker.ReserveAndSeal(() => next++, c => cipher.Seal(c, KnockPort, Port, default), f => f.Id != 0);

        Assert.That(counter, Is.EqualTo(zero + 1));
        Assert.That(fields.Id, Is.Not.Zero);
        Assert.That(cipher.TryOpen(fields, zero, 4, KnockPort, default, out var matched, out var port), Is.True);
        Assert.That((matched, port), Is.EqualTo((zero + 1, Port)));
    }
}
