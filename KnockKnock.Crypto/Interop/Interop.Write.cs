using System.Runtime.InteropServices;

namespace KnockKnock.Crypto;

internal static partial class Interop
{
    /// <summary>write(2) on a descriptor; <see cref="DescriptorStream"/> handles short writes and errno.</summary>
    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, ReadOnlySpan<byte> buffer, nuint count);

    /// <summary>poll(2) for one descriptor and one event; Tmds.LibC's errno is not reliable (see Interop.Errors.cs).</summary>
    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int PollNative(ref PollDescriptor descriptor, nuint count, int timeout);

    public const short POLLOUT = 4;

    /// <summary>Waits until <paramref name="fd"/> has room for <paramref name="events"/>; an interrupted wait just returns.</summary>
    public static void WaitFor(int fd, short events, string path)
    {
        var descriptor = new PollDescriptor { Fd = fd, Events = events };
        var result = PollNative(ref descriptor, 1, -1);
        if (result < 0 && Marshal.GetLastPInvokeError() != Tmds.Linux.LibC.EINTR)
        {
            ThrowIfFailed(result, "poll", path);
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollDescriptor
    {
        public int Fd;
        public short Events;
        public short ReturnedEvents;
    }
}
