using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>
    /// ssize_t getrandom(void *buf, size_t buflen, unsigned int flags) with flags 0: the kernel's
    /// CSPRNG, which blocks only until it is first seeded at boot.
    /// </summary>
    [LibraryImport("libc", EntryPoint = "getrandom", SetLastError = true)]
    private static partial nint GetRandomNative(Span<byte> buffer, nuint length, uint flags);

    /// <summary>Fills <paramref name="buffer"/> from the kernel's CSPRNG; ErrnoException when it cannot.</summary>
    public static void GetRandom(Span<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            var n = GetRandomNative(buffer, (nuint)buffer.Length, 0);
            if (n < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == Tmds.Linux.LibC.EINTR)
                {
                    continue;
                }
                throw new ErrnoException("getrandom", null, errno);
            }
            buffer = buffer[(int)n..];
        }
    }
}
