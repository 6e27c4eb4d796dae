using System.Buffers.Binary;
using System.Security.Cryptography;

namespace KnockKnock.Crypto.Protocol;

/// <summary>
/// Knock protocol v1: seals a port into 12 knock bytes and opens them again (docs/PROTOCOL.md).
///
///   K_enc, K_mac = HKDF-SHA256(secret, labels)                        (KnockKeySchedule)
///   keystream(c) = AES-256_K_enc(c:8 | knock_port:2 | 0:6)[0..2]       (AES-CTR style, one block)
///   ciphertext   = port:2 XOR keystream(c)
///   tag          = MSB80(AES-256_K_mac(c:8 | knock_port:2 | ciphertext:2 | source:4))
///   knock        = ciphertext:2 | tag:10  -> IP ID | TCP seq | TCP ack | TCP window
///
/// The MAC is AES-256 used as a PRF on one fixed-length 16-byte block, which is a secure MAC for
/// fixed-length messages; the protocol version and the source-binding mode enter through K_mac's
/// label, the per-knock values through the block. AES (AES-NI through Nettle, Aes256Key) lets the opener check
/// a whole counter window with one ECB call, which is what makes flood rejection cheap.
/// Counters are implicit: the opener tries a window of them. Not thread-safe: one instance per thread.
/// </summary>
public sealed class KnockCipher : IDisposable
{
    /// <summary>The profile secret's size: 256 bits.</summary>
    public const int SecretSize = 32;

    /// <summary>The largest error window an opener may use.</summary>
    public const int MaxWindow = 1000;

    private const int CiphertextSize = 2;

    private readonly KnockAes _aes;

    private KnockCipher(ReadOnlySpan<byte> secret, bool bindSource)
    {
        BindsSource = bindSource;
        Span<byte> keys = stackalloc byte[2 * KnockKeySchedule.KeySize];
        try
        {
            KnockKeySchedule.Derive(secret, bindSource, keys[..KnockKeySchedule.KeySize], keys[KnockKeySchedule.KeySize..]);
            _aes = new KnockAes(keys[..KnockKeySchedule.KeySize], keys[KnockKeySchedule.KeySize..]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keys);
        }
    }

    /// <summary>Whether the MAC covers the IPv4 source address the server sees (v1 binds IPv4 sources only).</summary>
    public bool BindsSource { get; }

    /// <summary>Derives the keys for a profile secret.</summary>
    public static KnockCipher Create(ReadOnlySpan<byte> secret, bool bindSource)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(secret.Length, SecretSize);
        return new KnockCipher(secret, bindSource);
    }

    /// <summary>
    /// Seals <paramref name="port"/> under <paramref name="counter"/> for a SYN sent to
    /// <paramref name="knockPort"/>. <paramref name="sourceAddress"/> is the IPv4 source the server
    /// will see; it is ignored unless the profile binds the source.
    /// </summary>
    public KnockFields Seal(ulong counter, ushort knockPort, ushort port, HostAddress sourceAddress)
    {
        ArgumentOutOfRangeException.ThrowIfZero(port);
        ArgumentOutOfRangeException.ThrowIfZero(knockPort);
        if (BindsSource && !sourceAddress.IsIPv4)
        {
            throw new ArgumentException("protocol v1 binds IPv4 source addresses only", nameof(sourceAddress));
        }

        Span<byte> knock = stackalloc byte[KnockFields.Size];
        var ciphertext = (ushort)(port ^ _aes.Keystream(counter, knockPort));
        BinaryPrimitives.WriteUInt16BigEndian(knock, ciphertext);
        KnockTag.Truncate(_aes.Macs(counter, 1, knockPort, ciphertext, BoundSource(sourceAddress), default), KnockTag.BitsV1, knock[CiphertextSize..]);
        return KnockFields.Read(knock);
    }

    /// <summary>
    /// Checks a knock against counters firstCounter .. firstCounter+window-1, tag first and in
    /// constant time; decrypts only after a tag matched. False for any forged, tampered, replayed
    /// (counter below the window), misdirected or too-far-ahead knock.
    /// </summary>
    public bool TryOpen(in KnockFields fields, ulong firstCounter, int window, ushort knockPort, HostAddress sourceAddress, out ulong matchedCounter, out ushort port)
    {
        var candidates = KnockAes.Candidates(firstCounter, window);
        matchedCounter = 0;
        port = 0;
        if (candidates == 0 || (BindsSource && !sourceAddress.IsIPv4))
        {
            return false;
        }

        Span<byte> knock = stackalloc byte[KnockFields.Size];
        fields.Write(knock);
        var ciphertext = BinaryPrimitives.ReadUInt16BigEndian(knock);
        var outputs = _aes.Macs(firstCounter, candidates, knockPort, ciphertext, BoundSource(sourceAddress), default);
        var matched = KnockAes.FirstMatch(outputs, candidates, knock[CiphertextSize..], KnockTag.BitsV1);
        if (matched < 0)
        {
            return false;
        }
        matchedCounter = firstCounter + (ulong)matched;
        return _aes.TryDecrypt(matchedCounter, knockPort, ciphertext, out port);
    }

    /// <summary>The source as the MAC block's last 4 bytes, or 0 when the profile does not bind it.</summary>
    private uint BoundSource(HostAddress source) => BindsSource ? KnockAes.IPv4Word(source) : 0;

    public void Dispose() => _aes.Dispose();
}
