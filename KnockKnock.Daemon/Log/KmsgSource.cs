using System.Runtime.InteropServices;
using Tmds.Linux;

namespace KnockKnock.Daemon.Log;

/// <summary>
/// Reads kernel log records from /dev/kmsg (Documentation/ABI/testing/dev-kmsg), starting after the
/// last record present when it was constructed.
/// </summary>
/// <remarks>
/// <para>The device is opened in the constructor, so the daemon can open it as root and drop its
/// privileges afterwards; it is never reopened. Each read(2) returns exactly one record:</para>
/// <code>
/// PRI,SEQ,TS_USEC,FLAGS[,more fields];MESSAGE\n
/// [ KEY=VALUE\n]...        continuation lines: the record's dictionary, ignored
/// </code>
/// <para>read(2) fails with EPIPE when the ring buffer overwrote records we had not read yet; that is
/// counted in <see cref="Overruns"/> and reading goes on with the oldest record left.</para>
/// <para>The kernel makes a record readable (and counts it before the end SEEK_END picks) once it is
/// finalized: when it ends in a newline, as netfilter's LOG lines do, or when a later record starts.</para>
/// <para>PRI is facility * 8 + level. The kernel logs with facility 0; a process writing to /dev/kmsg
/// (root only, mode 0644) always gets facility 1 or higher, because the kernel turns a written facility
/// of 0 into LOG_USER. By default only facility-0 records are delivered, so no process can inject a
/// LOG line; tests that inject records pass <c>includeUserspaceRecords: true</c>.</para>
/// </remarks>
internal sealed class KmsgSource : ILogSource
{
    public const string DevicePath = "/dev/kmsg";

    /// <summary>Read buffer size. The kernel formats a record into CONSOLE_EXT_LOG_MAX (8 KiB) and fails a smaller read with EINVAL.</summary>
    public const int BufferSize = 16 * 1024;

    private const int PollTimeoutMilliseconds = 100;

    private readonly FileDescriptorHandle _handle;
    private readonly byte[] _buffer = new byte[BufferSize];
    private readonly bool _includeUserspaceRecords;
    private volatile bool _disposed;
    private int _running;
    private long _overruns;
    private long _userspaceRecords;

    /// <param name="includeUserspaceRecords">Also deliver records written to /dev/kmsg by processes (facility above 0).</param>
    public KmsgSource(bool includeUserspaceRecords = false)
    {
        _includeUserspaceRecords = includeUserspaceRecords;
        _handle = Interop.Open(DevicePath, LibC.O_RDONLY | LibC.O_NONBLOCK | LibC.O_CLOEXEC);
        try
        {
            Interop.Lseek(_handle, 0, LibC.SEEK_END, DevicePath);
        }
        catch
        {
            _handle.Dispose();
            throw;
        }
    }

    public long LinesLost => Overruns;

    public string Counters => $"ring overruns {Overruns}, records written by processes {UserspaceRecords}";

    /// <summary>Times the ring buffer overwrote records before they were read (EPIPE); each loses one or more records.</summary>
    public long Overruns => Interlocked.Read(ref _overruns);

    /// <summary>Records written by processes, skipped unless they were asked for.</summary>
    public long UserspaceRecords => Interlocked.Read(ref _userspaceRecords);

    public void Run(LineHandler handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Interlocked.Exchange(ref _running, 1) != 0)
        {
            throw new InvalidOperationException("The source is already running.");
        }
        var addedRef = false;
        try
        {
            // Keeps the fd open until this loop ends, even if Dispose runs on another thread meanwhile.
            _handle.DangerousAddRef(ref addedRef);
            while (!_disposed && !cancellationToken.IsCancellationRequested)
            {
                var n = Interop.Read(_handle, _buffer);
                if (n > 0)
                {
                    Deliver(_buffer.AsSpan(0, (int)n), handler);
                    continue;
                }
                var errno = n == 0 ? LibC.EAGAIN : Marshal.GetLastPInvokeError();
                if (errno == LibC.EAGAIN)
                {
                    // Returns early on a signal (EINTR), which counts as a timeout: the loop looks again.
                    _ = Interop.Poll(_handle, LibC.POLLIN, PollTimeoutMilliseconds, DevicePath);
                }
                else if (errno == LibC.EPIPE)
                {
                    Interlocked.Increment(ref _overruns);
                }
                else if (errno != LibC.EINTR)
                {
                    throw Interop.Error("read", DevicePath, errno);
                }
                // EINTR, from read: the loop checks for cancellation, then reads again.
            }
        }
        finally
        {
            if (addedRef)
            {
                _handle.DangerousRelease();
            }
            Volatile.Write(ref _running, 0);
        }
    }

    public void Dispose()
    {
        _disposed = true;
        _handle.Dispose();
    }

    /// <summary>Splits a record into PRI (facility * 8 + level) and its message (up to the first newline), dropping the header.</summary>
    public static bool TryStripKmsgHeader(ReadOnlySpan<byte> record, out int priority, out ReadOnlySpan<byte> message)
    {
        priority = 0;
        message = default;
        var semicolon = record.IndexOf((byte)';');
        if (semicolon < 0)
        {
            return false;
        }
        var header = record[..semicolon];
        if (header.Contains((byte)'\n'))
        {
            return false;
        }
        // PRI, SEQ and TS_USEC are decimal; FLAGS is one or more characters ("-", "c"); later fields are free-form.
        for (var field = 0; field < 4; field++)
        {
            var comma = header.IndexOf((byte)',');
            var value = comma < 0 ? header : header[..comma];
            if (value.IsEmpty || (field < 3 && value.IndexOfAnyExceptInRange((byte)'0', (byte)'9') >= 0))
            {
                return false;
            }
            if (field == 0)
            {
                if (value.Length > 4)
                {
                    return false;
                }
                foreach (var b in value)
                {
                    priority = (priority * 10) + (b - '0');
                }
            }
            if (comma < 0)
            {
                if (field < 3)
                {
                    return false;
                }
                break;
            }
            header = header[(comma + 1)..];
        }
        var body = record[(semicolon + 1)..];
        var newline = body.IndexOf((byte)'\n');
        message = newline < 0 ? body : body[..newline];
        return true;
    }

    private void Deliver(ReadOnlySpan<byte> record, LineHandler handler)
    {
        if (!TryStripKmsgHeader(record, out var priority, out var message))
        {
            // The kernel writes every record with this header; nothing else can reach the device.
            return;
        }
        if (priority >> 3 != 0 && !_includeUserspaceRecords)
        {
            Interlocked.Increment(ref _userspaceRecords);
            return;
        }
        handler(message);
    }
}
