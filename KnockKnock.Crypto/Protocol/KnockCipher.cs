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
/// label, the per-knock values through the block. AES (AES-NI through the BCL) lets the opener check
/// a whole counter window with one ECB call, which is what makes flood rejection cheap.
/// Counters are implicit: the opener tries a window of them. Not thread-safe: one instance per thread.
/// </summary>
public sealed class KnockCipher : IDisposable
{
    /// <summary>The profile secret's size: 256 bits.</summary>
    public const int SecretSize = 32;

    /// <summary>The largest error window an opener may use.</summary>
    public const int MaxWindow = 1000;

    private const int BlockSize = 16;
    private const int CiphertextSize = 2;

    private readonly Aes _encryptionAes;
    private readonly Aes _macAes;
    private readonly ICryptoTransform _keystream;
    private readonly ICryptoTransform _mac;
    private readonly byte[] _blocks = new byte[MaxWindow * BlockSize];
    private readonly byte[] _outputs = new byte[MaxWindow * BlockSize];
    private bool _disposed;

    private KnockCipher(ReadOnlySpan<byte> secret, bool bindSource)
    {
        BindsSource = bindSource;
        Span<byte> keys = stackalloc byte[2 * KnockKeySchedule.KeySize];
        try
        {
            KnockKeySchedule.Derive(secret, bindSource, keys[..KnockKeySchedule.KeySize], keys[KnockKeySchedule.KeySize..]);
            _encryptionAes = CreateAes(keys[..KnockKeySchedule.KeySize]);
            _macAes = CreateAes(keys[KnockKeySchedule.KeySize..]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keys);
        }
        _keystream = _encryptionAes.CreateEncryptor();
        _mac = _macAes.CreateEncryptor();
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
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfZero(port);
        ArgumentOutOfRangeException.ThrowIfZero(knockPort);
        if (BindsSource && !sourceAddress.IsIPv4)
        {
            throw new ArgumentException("protocol v1 binds IPv4 source addresses only", nameof(sourceAddress));
        }

        Span<byte> knock = stackalloc byte[KnockFields.Size];
        var ciphertext = (ushort)(port ^ Keystream(counter, knockPort));
        BinaryPrimitives.WriteUInt16BigEndian(knock, ciphertext);
        ComputeTags(counter, 1, knockPort, ciphertext, BoundSource(sourceAddress));
        KnockTag.Truncate(_outputs.AsSpan(0, BlockSize)).CopyTo(knock[CiphertextSize..]);
        return KnockFields.Read(knock);
    }

    /// <summary>
    /// Checks a knock against counters firstCounter .. firstCounter+window-1, tag first and in
    /// constant time; decrypts only after a tag matched. False for any forged, tampered, replayed
    /// (counter below the window), misdirected or too-far-ahead knock.
    /// </summary>
    public bool TryOpen(in KnockFields fields, ulong firstCounter, int window, ushort knockPort, HostAddress sourceAddress, out ulong matchedCounter, out ushort port)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(window, MaxWindow);

        matchedCounter = 0;
        port = 0;
        if (BindsSource && !sourceAddress.IsIPv4)
        {
            return false;
        }
        // Counters never wrap: near 2^64 the window simply shrinks.
        var room = ulong.MaxValue - firstCounter;
        var candidates = room < (ulong)window ? (int)room : window;
        if (candidates == 0)
        {
            return false;
        }

        Span<byte> knock = stackalloc byte[KnockFields.Size];
        fields.Write(knock);
        var ciphertext = BinaryPrimitives.ReadUInt16BigEndian(knock);
        var received = knock[CiphertextSize..];
        ComputeTags(firstCounter, candidates, knockPort, ciphertext, BoundSource(sourceAddress));

        var matched = -1;
        for (var i = 0; i < candidates; i++)
        {
            var expected = KnockTag.Truncate(_outputs.AsSpan(i * BlockSize, BlockSize));
            if (CryptographicOperations.FixedTimeEquals(expected, received) && matched < 0)
            {
                matched = i;
            }
        }
        if (matched < 0)
        {
            return false;
        }

        matchedCounter = firstCounter + (ulong)matched;
        var plain = (ushort)(ciphertext ^ Keystream(matchedCounter, knockPort));
        if (plain == 0)
        {
            // Seal never produces port 0; an authentic knock cannot carry it.
            return false;
        }
        port = plain;
        return true;
    }

    /// <summary>The source as the MAC block's last 4 bytes (big-endian), or 0 when the profile does not bind it.</summary>
    private uint BoundSource(HostAddress source)
    {
        if (!BindsSource)
        {
            return 0;
        }
        Span<byte> bytes = stackalloc byte[4];
        source.WriteBytes(bytes);
        return BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }

    /// <summary>MAC blocks for <paramref name="count"/> consecutive counters, all in one ECB call.</summary>
    private void ComputeTags(ulong firstCounter, int count, ushort knockPort, ushort ciphertext, uint sourceAddress)
    {
        var blocks = _blocks.AsSpan(0, count * BlockSize);
        for (var i = 0; i < count; i++)
        {
            var block = blocks.Slice(i * BlockSize, BlockSize);
            BinaryPrimitives.WriteUInt64BigEndian(block, firstCounter + (ulong)i);
            BinaryPrimitives.WriteUInt16BigEndian(block[8..], knockPort);
            BinaryPrimitives.WriteUInt16BigEndian(block[10..], ciphertext);
            BinaryPrimitives.WriteUInt32BigEndian(block[12..], sourceAddress);
        }
        _mac.TransformBlock(_blocks, 0, count * BlockSize, _outputs, 0);
    }

    private ushort Keystream(ulong counter, ushort knockPort)
    {
        var block = _blocks.AsSpan(0, BlockSize);
        block.Clear();
        BinaryPrimitives.WriteUInt64BigEndian(block, counter);
        BinaryPrimitives.WriteUInt16BigEndian(block[8..], knockPort);
        _keystream.TransformBlock(_blocks, 0, BlockSize, _outputs, 0);
        return BinaryPrimitives.ReadUInt16BigEndian(_outputs);
    }

    private static Aes CreateAes(ReadOnlySpan<byte> key)
    {
        var aes = Aes.Create();
        aes.Mode = CipherMode.ECB;
        aes.Padding = PaddingMode.None;
        var copy = key.ToArray();
        try
        {
            aes.Key = copy;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(copy);
        }
        return aes;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _keystream.Dispose();
        _mac.Dispose();
        _encryptionAes.Dispose();
        _macAes.Dispose();
        CryptographicOperations.ZeroMemory(_blocks);
        CryptographicOperations.ZeroMemory(_outputs);
    }
}
