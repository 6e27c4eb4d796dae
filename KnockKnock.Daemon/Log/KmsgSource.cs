using System.Globalization;
using System.Runtime.InteropServices;
using Tmds.Linux;

namespace KnockKnock.Daemon.Log;

/// <summary>
/// Reads kernel log records from /dev/kmsg (Documentation/ABI/testing/dev-kmsg), starting after the
/// last record present when it was constructed, or, after <see cref="Resume"/>, after the last record
/// an earlier run read.
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
/// <para>Resuming: SEQ counts every record since boot, so the position is the boot id and the SEQ of
/// the last record read (<see cref="KmsgPosition"/>). To know that SEQ even when nothing is logged,
/// the constructor reads past every record in the ring rather than seeking to its end. Resuming
/// seeks to the ring's first record (SEEK_SET; SEEK_DATA would start after the last
/// <c>dmesg --clear</c>) and skips what the earlier run read; records the ring overwrote meanwhile
/// are counted in <see cref="MissedWhileStopped"/>. A position of an earlier boot resumes at the
/// ring's first record: all of this boot came after it. Until the first read finds nothing more,
/// each record is handed on with its age, from TS_USEC and CLOCK_MONOTONIC (measured to agree
/// within 2 ms on the development VM).</para>
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
    private readonly string _bootId;
    private volatile bool _disposed;
    private int _running;
    private long _overruns;
    private long _userspaceRecords;
    private long _missedWhileStopped;
    private bool _resumed;
    private bool _catchingUp;
    private bool _gapChecked;
    private ulong? _sequence;
    private ulong? _skipThrough;

    /// <param name="includeUserspaceRecords">Also deliver records written to /dev/kmsg by processes (facility above 0).</param>
    public KmsgSource(bool includeUserspaceRecords = false)
    {
        _includeUserspaceRecords = includeUserspaceRecords;
        _bootId = BootId.Current();
        _handle = Interop.Open(DevicePath, LibC.O_RDONLY | LibC.O_NONBLOCK | LibC.O_CLOEXEC);
        try
        {
            Interop.Lseek(_handle, 0, LibC.SEEK_SET, DevicePath);
            SkipToEnd();
        }
        catch
        {
            _handle.Dispose();
            throw;
        }
    }

    public long LinesLost => Overruns + MissedWhileStopped;

    public string Counters => $"ring overruns {Overruns}, records overwritten while stopped {MissedWhileStopped}, records written by processes {UserspaceRecords}";

    /// <summary>Times the ring buffer overwrote records before they were read (EPIPE); each loses one or more records.</summary>
    public long Overruns => Interlocked.Read(ref _overruns);

    /// <summary>Records written by processes, skipped unless they were asked for.</summary>
    public long UserspaceRecords => Interlocked.Read(ref _userspaceRecords);

    /// <summary>Records logged after a resumed position that the ring overwrote before this run could read them.</summary>
    public long MissedWhileStopped => Interlocked.Read(ref _missedWhileStopped);

    public string? Position => _sequence is { } sequence ? new KmsgPosition(_bootId, sequence).Format() : null;

    public Resumption Resume(string? saved)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_resumed || Volatile.Read(ref _running) != 0)
        {
            throw new InvalidOperationException("Resume comes once, before Run.");
        }
        _resumed = true;
        if (saved is null)
        {
            return Resumption.Info($"no saved log position: reading {DevicePath} from its end");
        }
        if (!KmsgPosition.TryParse(saved, out var position))
        {
            return Resumption.Warning($"the saved log position is not one of {DevicePath} ('{saved}'): reading from its end; knocks sent while the daemon was not running are not opened");
        }
        if (position.BootId != _bootId)
        {
            StartOver(null);
            return Resumption.Info("the saved log position is of an earlier boot: reading this boot's kernel records from the start of the ring");
        }
        if (_sequence is not { } end || position.Sequence > end)
        {
            return Resumption.Warning($"the saved log position (record {position.Sequence} of this boot) lies beyond the last kernel record ({(_sequence is { } last ? last.ToString(CultureInfo.InvariantCulture) : "none")}): reading from the end; knocks sent while the daemon was not running are not opened");
        }
        if (position.Sequence == end)
        {
            return Resumption.Info($"resuming {DevicePath} after kernel record {position.Sequence}: nothing was logged since");
        }
        StartOver(position.Sequence);
        return Resumption.Info($"resuming {DevicePath} after kernel record {position.Sequence} ({end - position.Sequence} logged since)");
    }

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
                    _catchingUp = false;
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

    /// <summary>
    /// Splits a record into its header fields and its message (up to the first newline). False when
    /// it has no header of the documented shape or a number overflows.
    /// </summary>
    public static bool TryStripKmsgHeader(ReadOnlySpan<byte> record, out KmsgHeader header, out ReadOnlySpan<byte> message)
    {
        header = default;
        message = default;
        var semicolon = record.IndexOf((byte)';');
        if (semicolon < 0)
        {
            return false;
        }
        var fields = record[..semicolon];
        if (fields.Contains((byte)'\n'))
        {
            return false;
        }
        // PRI, SEQ and TS_USEC are decimal; FLAGS is one or more characters ("-", "c"); later fields are free-form.
        Span<ulong> numbers = stackalloc ulong[3];
        for (var field = 0; field < 4; field++)
        {
            var comma = fields.IndexOf((byte)',');
            var value = comma < 0 ? fields : fields[..comma];
            if (value.IsEmpty)
            {
                return false;
            }
            if (field < 3 && !TryParseDecimal(value, field == 0 ? 4 : 20, out numbers[field]))
            {
                return false;
            }
            if (comma < 0)
            {
                if (field < 3)
                {
                    return false;
                }
                break;
            }
            fields = fields[(comma + 1)..];
        }
        header = new KmsgHeader((int)numbers[0], numbers[1], numbers[2]);
        var body = record[(semicolon + 1)..];
        var newline = body.IndexOf((byte)'\n');
        message = newline < 0 ? body : body[..newline];
        return true;
    }

    /// <summary>Digits only, at most <paramref name="maxDigits"/>, within 64 bits.</summary>
    private static bool TryParseDecimal(ReadOnlySpan<byte> digits, int maxDigits, out ulong value)
    {
        value = 0;
        if (digits.Length > maxDigits)
        {
            return false;
        }
        foreach (var b in digits)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }
            var digit = (uint)(b - '0');
            if (value > (ulong.MaxValue - digit) / 10)
            {
                return false;
            }
            value = (value * 10) + digit;
        }
        return true;
    }

    /// <summary>Reads every record up to the end of the ring without handing any on, noting the last SEQ.</summary>
    private void SkipToEnd()
    {
        while (true)
        {
            var n = Interop.Read(_handle, _buffer);
            if (n > 0)
            {
                if (TryStripKmsgHeader(_buffer.AsSpan(0, (int)n), out var header, out _))
                {
                    _sequence = header.Sequence;
                }
                continue;
            }
            var errno = n == 0 ? LibC.EAGAIN : Marshal.GetLastPInvokeError();
            if (errno == LibC.EAGAIN)
            {
                return;
            }
            if (errno != LibC.EPIPE && errno != LibC.EINTR)
            {
                throw Interop.Error("read", DevicePath, errno);
            }
        }
    }

    /// <summary>Goes back to the ring's first record, to skip those up to <paramref name="skipThrough"/> and hand on the rest with their age.</summary>
    private void StartOver(ulong? skipThrough)
    {
        Interop.Lseek(_handle, 0, LibC.SEEK_SET, DevicePath);
        _sequence = skipThrough;
        _skipThrough = skipThrough;
        _catchingUp = true;
    }

    private void Deliver(ReadOnlySpan<byte> record, LineHandler handler)
    {
        if (!TryStripKmsgHeader(record, out var header, out var message))
        {
            // The kernel writes every record with this header; nothing else can reach the device.
            return;
        }
        TimeSpan? age = null;
        if (_catchingUp)
        {
            if (_skipThrough is { } skip)
            {
                if (!_gapChecked)
                {
                    // The first record after SEEK_SET: the ring overwrote whatever lies between the saved record and it.
                    _gapChecked = true;
                    if (header.Sequence > skip + 1)
                    {
                        Interlocked.Add(ref _missedWhileStopped, (long)Math.Min(header.Sequence - skip - 1, (ulong)long.MaxValue));
                    }
                }
                if (header.Sequence <= skip)
                {
                    return;
                }
            }
            var now = Interop.MonotonicMicroseconds();
            age = TimeSpan.FromMicroseconds(header.Microseconds < (ulong)now ? now - (long)header.Microseconds : 0);
        }
        _sequence = header.Sequence;
        if (header.Priority >> 3 != 0 && !_includeUserspaceRecords)
        {
            Interlocked.Increment(ref _userspaceRecords);
            return;
        }
        handler(message, age);
    }
}
