using System.Runtime.InteropServices;

namespace KnockKnock.Crypto.Protocol;

/// <summary>
/// One AES-256 key, expanded for encryption by GNU Nettle (docs/PROTOCOL.md, "Sealing"): both
/// protocols only ever encrypt (the port's keystream is undone by XOR). The expanded key lives in
/// native memory that is wiped and freed when the handle is released, whether by Dispose or by
/// the finalizer. Not thread-safe.
/// </summary>
internal sealed unsafe class Aes256Key : SafeHandle
{
    public const int KeySize = 32;

    public const int BlockSize = 16;

    /// <summary>Expands <paramref name="key"/>; the caller wipes its copy.</summary>
    public Aes256Key(ReadOnlySpan<byte> key)
        : base(0, ownsHandle: true)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(key.Length, KeySize);
        var context = NativeMemory.AlignedAlloc(Interop.NettleAes256ContextSize, BlockSize);
        SetHandle((nint)context);
        fixed (byte* bytes = key)
        {
            Interop.NettleAes256SetEncryptKey(context, bytes);
        }
    }

    public override bool IsInvalid => handle == 0;

    /// <summary>Encrypts whole blocks, each on its own (ECB): the protocols build every block themselves.</summary>
    public void Encrypt(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (source.Length % BlockSize != 0 || destination.Length < source.Length)
        {
            throw new ArgumentException("AES encrypts whole 16-byte blocks into a buffer at least as long", nameof(source));
        }
        var added = false;
        try
        {
            DangerousAddRef(ref added);
            fixed (byte* input = source, output = destination)
            {
                Interop.NettleAes256Encrypt((void*)handle, (nuint)source.Length, output, input);
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
