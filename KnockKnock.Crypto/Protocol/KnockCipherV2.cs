using System.Buffers.Binary;
using System.Security.Cryptography;

namespace KnockKnock.Crypto.Protocol;

/// <summary>
/// Knock protocol v2: seals a port into the IP ID (IPv4) or flow label (IPv6), TCP sequence number
/// and TCP timestamp of an otherwise ordinary SYN, and opens them again (docs/PROTOCOL.md, "Version 2").
///
///   K_enc = HKDF(secret, "KnockKnock v2 encryption"); K_mac,f = HKDF(secret, "KnockKnock v2 mac f[ bound-source]")
///   keystream(c)  = AES-256_K_enc(c:8 | knock_port:2 | 0:6)[0..2]
///   ciphertext    = port:2 XOR keystream(c)
///   B(c)          = c:8 | knock_port:2 | ciphertext:2 | S4:4      S4 = the IPv4 source when bound, else 0
///   MAC           = AES-256_K_mac,f(B(c))                          one block: IPv4, or IPv6 unbound
///                 = AES-256_K_mac,f(AES-256_K_mac,f(S16) XOR B(c))  CBC-MAC of S16 | B(c): IPv6 bound
///   tag           = the leftmost 64 (IPv4) or 68 (IPv6) bits of MAC
///   IPv4: ID = ciphertext, SEQ | TSVAL = tag                           (80 bits)
///   IPv6: FLOWLBL = ciphertext | tag bits 0-3, SEQ | TSVAL = tag bits 4-67  (84 bits)
///
/// Each MAC key serves one family, one binding mode and one message length, so the CBC-MAC of the
/// bound IPv6 case (ISO/IEC 9797-1 MAC algorithm 1, no padding, always 32 bytes) is a PRF like the
/// single-block one. The counter sits in the last block, so the opener computes AES(S16) once per
/// line and then every candidate counter's tag in one ECB call, as in v1. Not thread-safe.
/// </summary>
public sealed class KnockCipherV2 : IDisposable
{
    private readonly KnockAes _aes;
    private readonly int _tagBits;

    private KnockCipherV2(ReadOnlySpan<byte> secret, bool bindSource, KnockFamily family)
    {
        BindsSource = bindSource;
        Family = family;
        _tagBits = family == KnockFamily.IPv4 ? KnockTag.BitsV2IPv4 : KnockTag.BitsV2IPv6;
        Span<byte> keys = stackalloc byte[2 * KnockKeySchedule.KeySize];
        try
        {
            KnockKeySchedule.DeriveV2(secret, bindSource, family, keys[..KnockKeySchedule.KeySize], keys[KnockKeySchedule.KeySize..]);
            _aes = new KnockAes(keys[..KnockKeySchedule.KeySize], keys[KnockKeySchedule.KeySize..]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keys);
        }
    }

    /// <summary>Whether the MAC covers the source address the server sees.</summary>
    public bool BindsSource { get; }

    /// <summary>The family this instance seals and opens knocks for (each family has its own MAC key).</summary>
    public KnockFamily Family { get; }

    /// <summary>Derives the keys of one family for a profile secret.</summary>
    public static KnockCipherV2 Create(ReadOnlySpan<byte> secret, bool bindSource, KnockFamily family)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(secret.Length, KnockCipher.SecretSize);
        return new KnockCipherV2(secret, bindSource, family);
    }

    /// <summary>
    /// Seals <paramref name="port"/> under <paramref name="counter"/> for a SYN sent to
    /// <paramref name="knockPort"/>. <paramref name="sourceAddress"/> is the source the server will
    /// see, of this instance's family; it is ignored unless the profile binds the source. The result
    /// may have a zero field (<see cref="KnockFieldsV2.HasZeroField"/>): the caller takes the next counter then.
    /// </summary>
    public KnockFieldsV2 Seal(ulong counter, ushort knockPort, ushort port, HostAddress sourceAddress)
    {
        ArgumentOutOfRangeException.ThrowIfZero(port);
        ArgumentOutOfRangeException.ThrowIfZero(knockPort);
        if (BindsSource && !IsOfFamily(sourceAddress))
        {
            throw new ArgumentException($"a bound {Family} knock needs an {Family} source address", nameof(sourceAddress));
        }
        var ciphertext = (ushort)(port ^ _aes.Keystream(counter, knockPort));
        Span<byte> tag = stackalloc byte[KnockAes.BlockSize];
        KnockTag.Truncate(Macs(counter, 1, knockPort, ciphertext, sourceAddress), _tagBits, tag);
        var bits = BinaryPrimitives.ReadUInt128BigEndian(tag);
        return Family == KnockFamily.IPv4
            ? new KnockFieldsV2(ciphertext, (uint)(bits >> 96), unchecked((uint)(bits >> 64)))
            : new KnockFieldsV2(((uint)ciphertext << 4) | (uint)(bits >> 124), unchecked((uint)(bits >> 92)), unchecked((uint)(bits >> 60)));
    }

    /// <summary>
    /// Checks a knock against counters firstCounter .. firstCounter+window-1, tag first and in
    /// constant time; decrypts only after a tag matched. False for any forged, tampered, replayed,
    /// misdirected, wrong-family or too-far-ahead knock.
    /// </summary>
    public bool TryOpen(in KnockFieldsV2 fields, ulong firstCounter, int window, ushort knockPort, HostAddress sourceAddress, out ulong matchedCounter, out ushort port)
    {
        var candidates = KnockAes.Candidates(firstCounter, window);
        matchedCounter = 0;
        port = 0;
        if (candidates == 0 || !IsOfFamily(sourceAddress) || fields.Carrier > (Family == KnockFamily.IPv4 ? 0xFFFFu : 0xFFFFFu))
        {
            return false;
        }
        // The received tag, left-aligned as KnockTag holds it.
        var (ciphertext, bits) = Family == KnockFamily.IPv4
            ? ((ushort)fields.Carrier, ((UInt128)fields.Sequence << 96) | ((UInt128)fields.Timestamp << 64))
            : ((ushort)(fields.Carrier >> 4), (((UInt128)(fields.Carrier & 0xF) << 64) | ((UInt128)fields.Sequence << 32) | fields.Timestamp) << 60);
        Span<byte> received = stackalloc byte[KnockAes.BlockSize];
        BinaryPrimitives.WriteUInt128BigEndian(received, bits);
        var matched = KnockAes.FirstMatch(Macs(firstCounter, candidates, knockPort, ciphertext, sourceAddress), candidates, received, _tagBits);
        if (matched < 0)
        {
            return false;
        }
        matchedCounter = firstCounter + (ulong)matched;
        return _aes.TryDecrypt(matchedCounter, knockPort, ciphertext, out port);
    }

    private bool IsOfFamily(HostAddress address) => Family == KnockFamily.IPv4 ? address.IsIPv4 : address.IsIPv6;

    /// <summary>The MAC outputs of <paramref name="count"/> consecutive counters: B(c) for each, behind AES(S16) when an IPv6 source is bound.</summary>
    private ReadOnlySpan<byte> Macs(ulong firstCounter, int count, ushort knockPort, ushort ciphertext, HostAddress source)
    {
        if (!BindsSource)
        {
            return _aes.Macs(firstCounter, count, knockPort, ciphertext, 0, default);
        }
        if (Family == KnockFamily.IPv4)
        {
            return _aes.Macs(firstCounter, count, knockPort, ciphertext, KnockAes.IPv4Word(source), default);
        }
        Span<byte> chain = stackalloc byte[KnockAes.BlockSize];
        source.WriteBytes(chain);
        _aes.MacBlock(chain, chain);
        return _aes.Macs(firstCounter, count, knockPort, ciphertext, 0, chain);
    }

    public void Dispose() => _aes.Dispose();
}
