using System.Runtime.InteropServices;

namespace KnockKnock.Crypto;

internal static partial class Interop
{
    /// <summary>write(2) of a whole buffer, once; <see cref="DescriptorStream"/> handles short writes and errno.</summary>
    public static nint Write(int fd, ReadOnlySpan<byte> buffer) => WriteNative(fd, buffer, (nuint)buffer.Length);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint WriteNative(int fd, ReadOnlySpan<byte> buffer, nuint count);
}
