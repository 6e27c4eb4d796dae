using KnockKnock.Crypto.Counters;
using KnockKnock.Crypto.Profiles;
using KnockKnock.Crypto.Protocol;

using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Protocol;

/// <summary>Attacks on a captured knock: flipped bits, moved to another port, profile or source.</summary>
[TestFixture]
public sealed class TamperTests
{
    private static readonly byte[] s_secret = Convert.FromHexString("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    private const ushort KnockPort = 7000;
    private static readonly HostAddress Source = Addresses.Of("198.18.1.2");

    [Test]
    public void Open_rejects_a_knock_with_any_one_of_its_96_bits_flipped()
    {
        using var cipher = KnockCipher.Create(s_secret, bindSource: false);
        var knock = new byte[KnockFields.Size];
        cipher.Seal(5, KnockPort, 22, default).Write(knock);
        Assert.That(cipher.TryOpen(KnockFields.Read(knock), 0, 20, KnockPort, default, out _, out _), Is.True);
        var accepted = new List<int>();
        for (var bit = 0; bit < 96; bit++)
        {
            var tampered = (byte[])knock.Clone();
            tampered[bit / 8] ^= (byte)(0x80 >> (bit % 8));
            if (cipher.TryOpen(KnockFields.Read(tampered), 0, 20, KnockPort, default, out _, out _))
            {
                accepted.Add(bit);
            }
        }
        Assert.That(accepted, Is.Empty, "bits whose flip was accepted");
    }

    [Test]
    public void Open_rejects_a_knock_checked_against_another_knock_port()
    {
        using var cipher = KnockCipher.Create(s_secret, bindSource: false);
        var fields = cipher.Seal(0, KnockPort, 22, default);
        Assert.That(cipher.TryOpen(fields, 0, 20, KnockPort + 1, default, out _, out _), Is.False);
    }

    [Test]
    public void Open_rejects_a_knock_checked_against_another_profiles_keys()
    {
        using var mine = KnockCipher.Create(s_secret, bindSource: false);
        var other = (byte[])s_secret.Clone();
        other[31] ^= 1;
        using var theirs = KnockCipher.Create(other, bindSource: false);
        var fields = mine.Seal(0, KnockPort, 22, default);
        Assert.That(theirs.TryOpen(fields, 0, 20, KnockPort, default, out _, out _), Is.False);
    }

    [Test]
    public void Open_with_bound_source_rejects_a_knock_from_another_address()
    {
        using var cipher = KnockCipher.Create(s_secret, bindSource: true);
        var fields = cipher.Seal(0, KnockPort, 22, Source);
        Assert.That(cipher.TryOpen(fields, 0, 20, KnockPort, Source, out _, out _), Is.True);
        Assert.That(cipher.TryOpen(fields, 0, 20, KnockPort, Addresses.Of("198.18.1.3"), out _, out _), Is.False);
    }

    [Test]
    public void Bound_and_unbound_profiles_with_one_secret_do_not_accept_each_others_knocks()
    {
        using var bound = KnockCipher.Create(s_secret, bindSource: true);
        using var unbound = KnockCipher.Create(s_secret, bindSource: false);
        Assert.That(unbound.TryOpen(bound.Seal(0, KnockPort, 22, Source), 0, 20, KnockPort, Source, out _, out _), Is.False);
        Assert.That(bound.TryOpen(unbound.Seal(0, KnockPort, 22, Source), 0, 20, KnockPort, Source, out _, out _), Is.False);
    }

    [Test]
    public void Unbound_profiles_ignore_the_source_address()
    {
        using var cipher = KnockCipher.Create(s_secret, bindSource: false);
        var fields = cipher.Seal(0, KnockPort, 22, Source);
        Assert.That(cipher.TryOpen(fields, 0, 20, KnockPort, Addresses.Of("1.2.3.4"), out _, out var port), Is.True);
        Assert.That(port, Is.EqualTo(22));
    }

    [Test]
    public void Opening_a_bogus_knock_allocates_nothing()
    {
        using var cipher = KnockCipher.Create(s_secret, bindSource: false);
        var bogus = new KnockFields(1, 2, 3, 4);
        cipher.TryOpen(bogus, 0, 20, KnockPort, default, out _, out _);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            cipher.TryOpen(bogus, (ulong)i, 20, KnockPort, Source, out _, out _);
        }
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }
}
