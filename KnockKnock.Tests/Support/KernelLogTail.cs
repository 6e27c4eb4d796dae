using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using Tmds.Linux;

namespace KnockKnock.Tests.Support;

/// <summary>
/// Reads kernel log records that arrive after it was opened: /dev/kmsg, positioned at the end
/// (SEEK_END) on open, non-blocking. Each read(2) returns one record ("prio,seq,usec,flags;text").
/// </summary>
/// <remarks>
/// Plain DllImports with managed arrays: the test project does not allow unsafe code, which
/// Tmds.LibC's pointer signatures need.
/// </remarks>
internal sealed partial class KernelLogTail : IDisposable
{
    private readonly int _fd;

    public KernelLogTail()
    {
        _fd = Open("/dev/kmsg", LibC.O_RDONLY | LibC.O_NONBLOCK | LibC.O_CLOEXEC);
        if (_fd == -1)
        {
            throw new IOException($"open /dev/kmsg: errno {Marshal.GetLastPInvokeError()}");
        }
        if (LSeek(_fd, 0, LibC.SEEK_END) == -1)
        {
            var errno = Marshal.GetLastPInvokeError();
            _ = Close(_fd);
            throw new IOException($"lseek /dev/kmsg: errno {errno}");
        }
    }

    /// <summary>The text of the first new record that satisfies <paramref name="match"/>, or null after the timeout.</summary>
    public string? WaitFor(Func<string, bool> match, TimeSpan timeout)
    {
        var buffer = new byte[8192];
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            var n = Read(_fd, buffer, buffer.Length);
            if (n > 0)
            {
                var record = Encoding.UTF8.GetString(buffer, 0, (int)n);
                var text = record[(record.IndexOf(';', StringComparison.Ordinal) + 1)..].TrimEnd('\n');
                if (match(text))
                {
                    return text;
                }
                continue;
            }
            var errno = Marshal.GetLastPInvokeError();
            if (errno == LibC.EAGAIN)
            {
                Thread.Sleep(10);
            }
            else if (errno != LibC.EPIPE && errno != LibC.EINTR) // EPIPE: records were overwritten; reading goes on
            {
                throw new IOException($"read /dev/kmsg: errno {errno}");
            }
        }
        return null;
    }

    public void Dispose() => _ = Close(_fd);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "lseek", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern long LSeek(int fd, long offset, int whence);

    [DllImport("libc", EntryPoint = "read", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern nint Read(int fd, [Out] byte[] buffer, nint count);

    [DllImport("libc", EntryPoint = "close")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Close(int fd);
}
