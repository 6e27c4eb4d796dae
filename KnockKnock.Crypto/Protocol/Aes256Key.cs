using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace KnockKnock.Crypto.Protocol;

/// <summary>
/// One AES-256 key for encryption (docs/PROTOCOL.md, "Sealing"): both protocols only ever encrypt
/// (the port's keystream is undone by XOR). Where the CPU has AES-NI, GNU Nettle's AES-NI code
/// (its fat build picks that from CPUID), the expanded key in native memory that is wiped and
/// freed when released, by Dispose or the finalizer. Elsewhere the BCL's AES (OpenSSL, whose
/// code without AES-NI, vpaes, is constant-time): Nettle's portable AES looks its tables up by key
/// and data, which another process on the machine can time through the cache, and the daemon
/// runs it on blocks an attacker chooses. Not thread-safe.
/// </summary>
internal sealed class Aes256Key : IDisposable
{
    public const int KeySize = 32;

    public const int BlockSize = 16;

    private readonly NettleKey? _nettle;
    private readonly Aes? _bcl;

    /// <summary>Expands <paramref name="key"/> for the implementation this CPU calls for; the caller wipes its copy.</summary>
    public Aes256Key(ReadOnlySpan<byte> key)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(key.Length, KeySize);
        if (System.Runtime.Intrinsics.X86.Aes.IsSupported)
        {
            _nettle = new NettleKey(key);
        }
        else
        {
            _bcl = Aes.Create();
            _bcl.SetKey(key);
        }
    }

    /// <summary>
    /// Encrypts whole blocks, each on its own (ECB): the protocols build every block themselves.
    /// <paramref name="destination"/> may be <paramref name="source"/> itself, but no other overlap.
    /// </summary>
    public void Encrypt(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (source.Length % BlockSize != 0 || destination.Length < source.Length
            || (source.Overlaps(destination, out var offset) && offset != 0))
        {
            throw new ArgumentException("AES encrypts whole 16-byte blocks into a buffer at least as long, in place or apart", nameof(source));
        }
        if (_nettle is not null)
        {
            _nettle.Encrypt(source, destination);
        }
        else
        {
            _ = _bcl!.EncryptEcb(source, destination, PaddingMode.None);
        }
    }

    public void Dispose()
    {
        _nettle?.Dispose();
        _bcl?.Dispose();
    }

    /// <summary>Nettle's struct aes256_ctx in native memory.</summary>
    private sealed unsafe class NettleKey : SafeHandle
    {
        private readonly Interop.NettleFunctions _functions;

        public NettleKey(ReadOnlySpan<byte> key)
            : base(0, ownsHandle: true)
        {
            // Before anything is allocated: a missing or too old libnettle becomes one clear error.
            _functions = Interop.LoadNettle();
            var context = NativeMemory.AlignedAlloc(Interop.NettleAes256ContextSize, BlockSize);
            SetHandle((nint)context);
            fixed (byte* bytes = key)
            {
                _functions.Aes256SetEncryptKey(context, bytes);
            }
        }

        public override bool IsInvalid => handle == 0;

        public void Encrypt(ReadOnlySpan<byte> source, Span<byte> destination)
        {
            var added = false;
            try
            {
                DangerousAddRef(ref added);
                fixed (byte* input = source, output = destination)
                {
                    _functions.Aes256Encrypt((void*)handle, (nuint)source.Length, output, input);
                }
            }
            finally
            {
                if (added)
                {
                    DangerousRelease();
                }
            }
        }

        protected override bool ReleaseHandle()
        {
            NativeMemory.Clear((void*)handle, Interop.NettleAes256ContextSize);
            NativeMemory.AlignedFree((void*)handle);
            return true;
        }
    }
}
