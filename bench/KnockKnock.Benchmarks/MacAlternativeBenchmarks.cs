using System.Buffers.Binary;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using KnockKnock.Crypto.Profiles;
using KnockKnock.Crypto.Protocol;
using NSec.Cryptography;

namespace KnockKnock.Benchmarks;

/// <summary>
/// The tag check for one bogus knock over a 20-counter window, done with the MACs we did not pick:
/// one NSec HMAC-SHA256 or keyed BLAKE2b call per candidate counter over the same 16-byte block
/// (counter:8 | knock_port:2 | ciphertext:2 | source:4), tag truncated to 80 bits and compared in
/// constant time. The shipped KnockCipher.TryOpen (one batched AES-ECB call) is the baseline, and
/// is also taken apart: block building, the bare AES call, the 20 tag compares (and a cheaper compare).
/// </summary>
public class MacAlternativeBenchmarks
{
    private const int Window = BogusLines.ErrorWindow;
    private const int TagSize = 10;

    private readonly byte[] _received = new byte[TagSize];
    private readonly byte[] _blocks = new byte[Window * 16];
    private readonly byte[] _outputs = new byte[Window * 16];
    private Aes _aes = null!;
    private ICryptoTransform _encryptor = null!;
    private KnockCipher _cipher = null!;
    private NSec.Cryptography.Key _hmacKey = null!;
    private NSec.Cryptography.Key _blakeKey = null!;
    private KnockFields _fields;

    [GlobalSetup]
    public void Setup()
    {
        var secret = RandomNumberGenerator.GetBytes(KnockCipher.SecretSize);
        _cipher = KnockCipher.Create(secret, bindSource: false);
        _hmacKey = NSec.Cryptography.Key.Create(MacAlgorithm.HmacSha256);
        _blakeKey = NSec.Cryptography.Key.Create(MacAlgorithm.Blake2b_256);
        RandomNumberGenerator.Fill(_received);
        _fields = new KnockFields(0x1234, 0xDEADBEEF, 0x12345678, 0x4321);
        _aes = Aes.Create();
        _aes.Key = RandomNumberGenerator.GetBytes(32);
        _aes.Mode = CipherMode.ECB;
        _aes.Padding = PaddingMode.None;
        _encryptor = _aes.CreateEncryptor();
        RandomNumberGenerator.Fill(_blocks);

        // Both compare loops must pick the same candidate, and nothing when no tag matches.
        RandomNumberGenerator.Fill(_outputs);
        _outputs.AsSpan(7 * 16, TagSize).CopyTo(_received);
        _outputs.AsSpan(7 * 16, TagSize).CopyTo(_outputs.AsSpan(12 * 16));
        if (CompareTags20FixedTimeEquals() != 7 || CompareTags20XorFold() != 7)
        {
            throw new InvalidOperationException("the compare loops disagree on a matching tag");
        }
        RandomNumberGenerator.Fill(_received);
        if (CompareTags20FixedTimeEquals() != -1 || CompareTags20XorFold() != -1)
        {
            throw new InvalidOperationException("the compare loops matched a random tag");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _cipher.Dispose();
        _hmacKey.Dispose();
        _blakeKey.Dispose();
        _encryptor.Dispose();
        _aes.Dispose();
    }

    [Benchmark(Baseline = true)]
    public bool AesBatchedWindow20() =>
        _cipher.TryOpen(_fields, 0, Window, BogusLines.KnockPort, default, out _, out _);

    /// <summary>What TryOpen calls: ICryptoTransform.TransformBlock over 20 blocks (320 bytes).</summary>
    [Benchmark]
    public int AesEcbTransformBlock20Blocks() => _encryptor.TransformBlock(_blocks, 0, _blocks.Length, _outputs, 0);

    /// <summary>TryOpen's own work before the AES call, copied: fill the 20 MAC input blocks.</summary>
    [Benchmark]
    public void BuildBlocks20()
    {
        for (var i = 0; i < Window; i++)
        {
            var block = _blocks.AsSpan(i * 16, 16);
            BinaryPrimitives.WriteUInt64BigEndian(block, (ulong)i);
            BinaryPrimitives.WriteUInt16BigEndian(block[8..], BogusLines.KnockPort);
            BinaryPrimitives.WriteUInt16BigEndian(block[10..], _fields.Id);
            BinaryPrimitives.WriteUInt32BigEndian(block[12..], 0);
        }
    }

    /// <summary>TryOpen's work after the AES call, copied: 20 truncations and FixedTimeEquals calls.</summary>
    [Benchmark]
    public int CompareTags20FixedTimeEquals()
    {
        var matched = -1;
        for (var i = 0; i < Window; i++)
        {
            if (CryptographicOperations.FixedTimeEquals(_outputs.AsSpan(i * 16, TagSize), _received) && matched < 0)
            {
                matched = i;
            }
        }
        return matched;
    }

    /// <summary>
    /// A possible replacement: the same 20 compares as one branch-free XOR/OR fold per candidate
    /// (still constant time: no early exit, no data-dependent branch), then a branch-free
    /// pick of the first matching index. Measured only to size the fix described in docs/PERFORMANCE.md.
    /// </summary>
    [Benchmark]
    public int CompareTags20XorFold()
    {
        var r0 = BinaryPrimitives.ReadUInt64LittleEndian(_received);
        var r1 = BinaryPrimitives.ReadUInt16LittleEndian(_received.AsSpan(8));
        long matched = -1;
        for (var i = 0; i < Window; i++)
        {
            var tag = _outputs.AsSpan(i * 16, TagSize);
            var diff = (BinaryPrimitives.ReadUInt64LittleEndian(tag) ^ r0) | (BinaryPrimitives.ReadUInt16LittleEndian(tag[8..]) ^ (ulong)r1);
            var equal = unchecked(((diff | (0UL - diff)) >> 63) ^ 1UL);
            // All ones when this tag is equal and none matched before, else zero.
            var take = unchecked(-(long)equal) & (matched >> 63);
            matched = (take & i) | (~take & matched);
        }
        return (int)matched;
    }

    /// <summary>The one-shot span API over the same 20 blocks, for comparison.</summary>
    [Benchmark]
    public int AesEncryptEcbOneShot20Blocks() => _aes.EncryptEcb(_blocks, _outputs, PaddingMode.None);

    [Benchmark]
    public bool NSecHmacSha256x20() => CheckWindow(MacAlgorithm.HmacSha256, _hmacKey);

    [Benchmark]
    public bool NSecBlake2bx20() => CheckWindow(MacAlgorithm.Blake2b_256, _blakeKey);

    private bool CheckWindow(MacAlgorithm algorithm, NSec.Cryptography.Key key)
    {
        Span<byte> block = stackalloc byte[16];
        Span<byte> mac = stackalloc byte[algorithm.MacSize];
        var matched = false;
        for (var i = 0; i < Window; i++)
        {
            BinaryPrimitives.WriteUInt64BigEndian(block, (ulong)i);
            BinaryPrimitives.WriteUInt16BigEndian(block[8..], BogusLines.KnockPort);
            BinaryPrimitives.WriteUInt16BigEndian(block[10..], _fields.Id);
            BinaryPrimitives.WriteUInt32BigEndian(block[12..], 0);
            algorithm.Mac(key, block, mac);
            matched |= CryptographicOperations.FixedTimeEquals(mac[..TagSize], _received);
        }
        return matched;
    }
}
