using KnockKnock.Crypto.Protocol;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Protocol;

/// <summary>Attacks on a captured v2 knock, for each family, bound and unbound: flipped bits, moved to another port, profile, family, version or source.</summary>
[TestFixture(KnockFamily.IPv4, false)]
[TestFixture(KnockFamily.IPv4, true)]
[TestFixture(KnockFamily.IPv6, false)]
[TestFixture(KnockFamily.IPv6, true)]
public sealed class TamperV2Tests(KnockFamily family, bool bind)
{
    private static readonly byte[] s_secret = Convert.FromHexString("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    private const ushort KnockPort = 7000;

    private HostAddress Source => family == KnockFamily.IPv4 ? Addresses.Of("198.18.1.2") : Addresses.Of("2001:db8:5::1");

    private HostAddress OtherSource => family == KnockFamily.IPv4 ? Addresses.Of("198.18.1.3") : Addresses.Of("2001:db8:5::2");

    private KnockCipherV2 Cipher(byte[]? secret = null) => KnockCipherV2.Create(secret ?? s_secret, bind, family);

    [Test]
    public void Open_rejects_a_knock_with_any_one_of_its_carrying_bits_flipped()
    {
        using var cipher = Cipher();
        var fields = cipher.Seal(5, KnockPort, 22, Source);
        Assert.That(cipher.TryOpen(fields, 0, 20, KnockPort, Source, out _, out _), Is.True);
        var flipped = KnockSyn.EveryBitFlipped(fields, family == KnockFamily.IPv6).ToList();
        Assert.That(flipped, Has.Count.EqualTo(family == KnockFamily.IPv4 ? 80 : 84));
        Assert.That(flipped.Where(f => cipher.TryOpen(f, 0, 20, KnockPort, Source, out _, out _)), Is.Empty, "flips that were accepted");
    }

    [Test]
    public void Open_rejects_a_knock_checked_against_another_knock_port_or_profile()
    {
        using var cipher = Cipher();
        var fields = cipher.Seal(0, KnockPort, 22, Source);
        Assert.That(cipher.TryOpen(fields, 0, 20, KnockPort + 1, Source, out _, out _), Is.False);
        var other = (byte[])s_secret.Clone();
        other[31] ^= 1;
        using var theirs = Cipher(other);
        Assert.That(theirs.TryOpen(fields, 0, 20, KnockPort, Source, out _, out _), Is.False);
    }

    [Test]
    public void Open_rejects_a_knock_of_the_other_family_version_or_binding()
    {
        using var cipher = Cipher();
        var fields = cipher.Seal(0, KnockPort, 22, Source);
        var otherFamily = family == KnockFamily.IPv4 ? KnockFamily.IPv6 : KnockFamily.IPv4;
        using var crossFamily = KnockCipherV2.Create(s_secret, bind, otherFamily);
        Assert.That(crossFamily.TryOpen(fields, 0, 20, KnockPort, otherFamily == KnockFamily.IPv4 ? Addresses.Of("198.18.1.2") : Addresses.Of("2001:db8:5::1"), out _, out _), Is.False);
        Assert.That(cipher.TryOpen(fields, 0, 20, KnockPort, otherFamily == KnockFamily.IPv4 ? Addresses.Of("198.18.1.2") : Addresses.Of("2001:db8:5::1"), out _, out _), Is.False, "a source of the other family");
        using var crossBinding = KnockCipherV2.Create(s_secret, !bind, family);
        Assert.That(crossBinding.TryOpen(fields, 0, 20, KnockPort, Source, out _, out _), Is.False);
        // The same bits read as a v1 knock (ID, SEQ, ACK = TSVAL, WINDOW 0): v1 keys, never a match.
        using var v1 = KnockCipher.Create(s_secret, bind);
        Assert.That(v1.TryOpen(new KnockFields((ushort)(fields.Carrier & 0xFFFF), fields.Sequence, fields.Timestamp, 0), 0, 20, KnockPort, Source, out _, out _), Is.False);
    }

    [Test]
    public void The_source_address_counts_exactly_when_the_profile_binds_it()
    {
        using var cipher = Cipher();
        var fields = cipher.Seal(0, KnockPort, 22, Source);
        Assert.That(cipher.TryOpen(fields, 0, 20, KnockPort, OtherSource, out _, out var port), Is.EqualTo(!bind));
        Assert.That(cipher.TryOpen(fields, 0, 20, KnockPort, Source, out _, out port), Is.True);
        Assert.That(port, Is.EqualTo(22));
    }

    [Test]
    public void Replays_and_counters_outside_the_window_are_refused()
    {
        using var cipher = Cipher();
        var fields = cipher.Seal(30, KnockPort, 22, Source);
        Assert.That(cipher.TryOpen(fields, 11, 20, KnockPort, Source, out var counter, out _), Is.True);
        Assert.That(counter, Is.EqualTo(30));
        Assert.That(cipher.TryOpen(fields, 31, 20, KnockPort, Source, out _, out _), Is.False, "already used");
        Assert.That(cipher.TryOpen(fields, 10, 20, KnockPort, Source, out _, out _), Is.False, "20 ahead");
    }

    [Test]
    public void Opening_a_bogus_knock_allocates_nothing()
    {
        using var cipher = Cipher();
        var bogus = new KnockFieldsV2(1, 2, 3);
        var source = Source;
        cipher.TryOpen(bogus, 0, 20, KnockPort, source, out _, out _);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            cipher.TryOpen(bogus, (ulong)i, 20, KnockPort, source, out _, out _);
        }
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }

    [Test]
    public void Carriers_wider_than_the_family_field_are_refused()
    {
        using var cipher = Cipher();
        var fields = cipher.Seal(0, KnockPort, 22, Source);
        var wide = fields with { Carrier = fields.Carrier | (family == KnockFamily.IPv4 ? 0x10000u : 0x100000u) };
        Assert.That(cipher.TryOpen(wide, 0, 20, KnockPort, Source, out _, out _), Is.False);
    }
}
