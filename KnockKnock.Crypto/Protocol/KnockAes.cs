using System.Buffers.Binary;
using System.Security.Cryptography;

namespace KnockKnock.Crypto.Protocol;

/// <summary>
/// The AES-256 work of both protocol versions (docs/PROTOCOL.md): the keystream block
/// AES(K_enc, c | kp | 0) and its decryption of a matched knock, the MAC blocks
/// c | kp | ciphertext | last4 of a whole counter window in one ECB call (optionally XORed with a
/// chaining block, for version 2's bound IPv6 CBC-MAC), and the constant-time search of that window
/// for a received tag. AES-256 by <see cref="Aes256Key"/> (GNU Nettle's AES-NI code, or the BCL's without AES-NI);
/// the buffers grow once, to a whole window, at the first window's MACs (a client seals one block
/// and never needs them), so opening allocates nothing after that. Not thread-safe: one instance per cipher.
/// </summary>
internal sealed class KnockAes : IDisposable
{
    public const int BlockSize = Aes256Key.BlockSize;

    private readonly Aes256Key _encryption;
    private readonly Aes256Key _mac;
    // Pinned, so that the wipes reach the only copy: a moving GC would leave the window's MAC
    // outputs (future counters' tags) behind in memory nothing wipes.
    private byte[] _blocks = GC.AllocateArray<byte>(BlockSize, pinned: true);
    private byte[] _outputs = GC.AllocateArray<byte>(BlockSize, pinned: true);
    private bool _disposed;

    /// <summary>Keys the two AES instances from 64 bytes: K_enc, then K_mac; the caller zeroes its copy.</summary>
    public KnockAes(ReadOnlySpan<byte> encryptionKey, ReadOnlySpan<byte> macKey)
    {
        _encryption = new Aes256Key(encryptionKey);
        _mac = new Aes256Key(macKey);
    }

    /// <summary>
    /// How many counters of a window starting at <paramref name="firstCounter"/> exist: counters never
    /// wrap, so near 2^64 the window simply shrinks (to 0 at the last value).
    /// </summary>
    public static int Candidates(ulong firstCounter, int window)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(window, KnockCipher.MaxWindow);
        var room = ulong.MaxValue - firstCounter;
        return room < (ulong)window ? (int)room : window;
    }

    /// <summary>An IPv4 address as the MAC block's last 4 bytes take it (big-endian).</summary>
    public static uint IPv4Word(HostAddress address)
    {
        Span<byte> bytes = stackalloc byte[4];
        address.WriteBytes(bytes);
        return BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }

    /// <summary>The first two bytes of AES(K_enc, c:8 | kp:2 | 0:6).</summary>
    public ushort Keystream(ulong counter, ushort knockPort)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var block = _blocks.AsSpan(0, BlockSize);
        block.Clear();
        BinaryPrimitives.WriteUInt64BigEndian(block, counter);
        BinaryPrimitives.WriteUInt16BigEndian(block[8..], knockPort);
        _encryption.Encrypt(block, _outputs);
        return BinaryPrimitives.ReadUInt16BigEndian(_outputs);
    }

    /// <summary>AES(K_mac, block) of one block: version 2's first CBC-MAC step over the IPv6 source.</summary>
    public void MacBlock(ReadOnlySpan<byte> block, Span<byte> output)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _mac.Encrypt(block[..BlockSize], output);
    }

    /// <summary>
    /// The MAC outputs for counters firstCounter .. firstCounter+count-1, each over
    /// c:8 | kp:2 | ciphertext:2 | last4:4 (XORed with <paramref name="chain"/> when it is not empty),
    /// in one ECB call. Valid until the next call.
    /// </summary>
    public ReadOnlySpan<byte> Macs(ulong firstCounter, int count, ushort knockPort, ushort ciphertext, uint last4, scoped ReadOnlySpan<byte> chain)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (count * BlockSize > _blocks.Length)
        {
            CryptographicOperations.ZeroMemory(_blocks);
            CryptographicOperations.ZeroMemory(_outputs);
            _blocks = GC.AllocateArray<byte>(KnockCipher.MaxWindow * BlockSize, pinned: true);
            _outputs = GC.AllocateArray<byte>(KnockCipher.MaxWindow * BlockSize, pinned: true);
        }
        var blocks = _blocks.AsSpan(0, count * BlockSize);
        for (var i = 0; i < count; i++)
        {
            var block = blocks.Slice(i * BlockSize, BlockSize);
            BinaryPrimitives.WriteUInt64BigEndian(block, firstCounter + (ulong)i);
            BinaryPrimitives.WriteUInt16BigEndian(block[8..], knockPort);
            BinaryPrimitives.WriteUInt16BigEndian(block[10..], ciphertext);
            BinaryPrimitives.WriteUInt32BigEndian(block[12..], last4);
            if (!chain.IsEmpty)
            {
                for (var j = 0; j < BlockSize; j++)
                {
                    block[j] ^= chain[j];
                }
            }
        }
        _mac.Encrypt(blocks, _outputs);
        return _outputs.AsSpan(0, count * BlockSize);
    }

    /// <summary>
    /// The index of the first of <paramref name="candidates"/> MAC outputs whose tag equals
    /// <paramref name="received"/>, or -1. Every candidate is compared, in constant time, whatever matches.
    /// </summary>
    public static int FirstMatch(ReadOnlySpan<byte> outputs, int candidates, ReadOnlySpan<byte> received, int tagBits)
    {
        var matched = -1;
        for (var i = 0; i < candidates; i++)
        {
            if (KnockTag.Matches(outputs.Slice(i * BlockSize, BlockSize), received, tagBits) && matched < 0)
            {
                matched = i;
            }
        }
        return matched;
    }

    /// <summary>Decrypts the port of a knock whose tag matched counter <paramref name="counter"/>; false for port 0, which sealing never produces.</summary>
    public bool TryDecrypt(ulong counter, ushort knockPort, ushort ciphertext, out ushort port)
    {
        port = (ushort)(ciphertext ^ Keystream(counter, knockPort));
        return port != 0;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _encryption.Dispose();
        _mac.Dispose();
        CryptographicOperations.ZeroMemory(_blocks);
        CryptographicOperations.ZeroMemory(_outputs);
    }
}
