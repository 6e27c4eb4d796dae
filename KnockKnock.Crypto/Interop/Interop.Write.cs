using System.Runtime.InteropServices;

namespace KnockKnock.Crypto;

internal static partial class Interop
{
    /// <summary>write(2) on a descriptor; <see cref="DescriptorStream"/> handles short writes and errno.</summary>
    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, ReadOnlySpan<byte> buffer, nuint count);
}
