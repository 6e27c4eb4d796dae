using System.Runtime.InteropServices;
using Tmds.Linux;

namespace KnockKnock.Daemon.Log;

/// <summary>
/// Follows a syslog file such as /var/log/kern.log, like <c>tail -F</c>, and hands on the message of
/// every kernel line (<see cref="SyslogHeader"/>).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Start: a file present at construction is opened then and read from its end at that moment;
/// a file absent then is waited for and read from its start.</item>
/// <item>Growth: at end of file the path and the open file are checked every 100 ms.</item>
/// <item>Rename rotation (the path names another inode): the old file is read to its end once more,
/// then the new one is opened and read from its start. If the path is missing (moved away, not yet
/// recreated) the old file is kept and followed.</item>
/// <item>copytruncate (the file is now shorter than what we read): reading restarts at offset 0. A
/// truncation followed by regrowth past our offset within one poll interval goes unnoticed, as with
/// any follower that does not hold the writer's lock.</item>
/// <item>Partial lines are held until their newline comes; a partial line cut by rotation or
/// truncation is dropped and counted in <see cref="CutLines"/>, never delivered.</item>
/// <item>Lines longer than <see cref="LogLineParser.MaxLineLength"/> bytes are skipped up to the next
/// newline and counted in <see cref="TooLongLines"/>.</item>
/// </list>
/// <para>After rotation the new file is opened with the daemon's dropped privileges, so the daemon
/// user must be able to read the log file (e.g. group adm on Debian).</para>
/// <para>Resuming (<see cref="FilePosition"/>): the same file (inode and first line) at least as long
/// as the saved offset is read on from that offset; a shorter one (copytruncate) or another file
/// under the same inode is read from its start, and so is another inode at the path (rotated while
/// no daemon ran: what the old file got after the saved offset is not read). Until the first read
/// at the end of the file, each line is handed on with its age from its syslog timestamp
/// (<see cref="SyslogHeader.TryReadTime"/>).</para>
/// </remarks>
internal sealed class FileSource : ILogSource
{
    /// <summary>Read buffer size: room for one held partial line of <see cref="LogLineParser.MaxLineLength"/> bytes and a large read.</summary>
    public const int BufferSize = 16 * 1024;

    private const int PollIntervalMilliseconds = 100;

    private readonly string _path;
    private readonly string _pathHash;
    private readonly byte[] _buffer = new byte[BufferSize];
    private readonly ManualResetEventSlim _stop = new();
    private FileDescriptorHandle? _file;
    private ulong _device;
    private ulong _inode;
    private long _position;
    private int _pending;
    private bool _discarding;
    private bool _rotationSeen;
    private bool _resumed;
    private bool _catchingUp;
    private int _disposed;
    private int _running;
    private long _tooLongLines;
    private long _cutLines;
    private long _otherLines;
    private long _rotations;
    private long _truncations;

    public FileSource(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (path.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("The path contains a NUL character.", nameof(path));
        }
        _path = path;
        _pathHash = FilePosition.HashPath(path);
        if (TryOpen())
        {
            try
            {
                _position = Interop.Lseek(_file!, 0, LibC.SEEK_END, _path);
            }
            catch
            {
                Close();
                throw;
            }
        }
    }

    public string Path => _path;

    public long LinesLost => TooLongLines + CutLines;

    public string Counters => $"rotations {Rotations}, truncations {Truncations}, lines too long {TooLongLines}, partial lines cut {CutLines}, lines of other programs {OtherLines}";

    /// <summary>Lines longer than <see cref="LogLineParser.MaxLineLength"/>, skipped.</summary>
    public long TooLongLines => Interlocked.Read(ref _tooLongLines);

    /// <summary>Partial last lines dropped because the file was rotated or truncated before their newline.</summary>
    public long CutLines => Interlocked.Read(ref _cutLines);

    /// <summary>Complete lines without a kernel syslog header (other programs' messages), skipped.</summary>
    public long OtherLines => Interlocked.Read(ref _otherLines);

    /// <summary>Times the path was found to name a new file and that file was opened.</summary>
    public long Rotations => Interlocked.Read(ref _rotations);

    /// <summary>Times the file shrank below the read offset and was read again from its start.</summary>
    public long Truncations => Interlocked.Read(ref _truncations);

    public string? Position
    {
        get
        {
            if (_file is null)
            {
                return null;
            }
            // The end of the last whole line: a partial one is read again on resume.
            var offset = _position - _pending;
            Span<byte> start = stackalloc byte[FilePosition.HeadLength];
            var head = Interop.Pread(_file, start[..(int)Math.Min(offset, FilePosition.HeadLength)], 0, _path);
            return new FilePosition(_pathHash, _inode, offset, FilePosition.HashHead(start[..head])).Format();
        }
    }

    public Resumption Resume(string? saved)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (_resumed || Volatile.Read(ref _running) != 0)
        {
            throw new InvalidOperationException("Resume comes once, before Run.");
        }
        _resumed = true;
        if (saved is null)
        {
            return Resumption.Info($"no saved log position: reading {_path} from its end");
        }
        if (!FilePosition.TryParse(saved, out var position))
        {
            return Resumption.Warning($"the saved log position is not one of a log file ('{saved}'): reading {_path} from its end; knocks sent while the daemon was not running are not opened");
        }
        if (position.PathHash != _pathHash)
        {
            return Resumption.Warning($"the saved log position is of another log file: reading {_path} from its end; knocks sent while the daemon was not running are not opened");
        }
        if (_file is null)
        {
            return Resumption.Info($"{_path} does not exist: it will be read from its start when it appears");
        }
        var size = (long)Interop.Stat(_file, _path).Size;
        string why;
        if (position.Inode != _inode)
        {
            why = $"{_path} was rotated while the daemon was not running: reading the new file from its start (what the old file got after the saved position is not read)";
        }
        else if (size < position.Offset)
        {
            why = $"{_path} is shorter than the saved position ({size} < {position.Offset} bytes, truncated): reading it from its start";
        }
        else
        {
            Span<byte> start = stackalloc byte[FilePosition.HeadLength];
            var head = Interop.Pread(_file, start[..(int)Math.Min(position.Offset, FilePosition.HeadLength)], 0, _path);
            if (FilePosition.HashHead(start[..head]) != position.Head)
            {
                why = $"{_path} starts with another line than at the saved position (replaced): reading it from its start";
            }
            else
            {
                StartAt(position.Offset);
                return Resumption.Info($"resuming {_path} at byte {position.Offset} ({size - position.Offset} bytes logged since)");
            }
        }
        StartAt(0);
        return Resumption.Info(why);
    }

    public void Run(LineHandler handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (Interlocked.Exchange(ref _running, 1) != 0)
        {
            throw new InvalidOperationException("The source is already running.");
        }
        try
        {
            // Both sides of the Dispose/Run hand-over use full fences: whichever sees the other closes the file.
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            _stop.Reset();
            using var registration = cancellationToken.UnsafeRegister(
                static state => ((ManualResetEventSlim)state!).Set(), _stop);
            while (Volatile.Read(ref _disposed) == 0 && !cancellationToken.IsCancellationRequested)
            {
                if (Step(handler))
                {
                    continue;
                }
                _stop.Wait(PollIntervalMilliseconds, CancellationToken.None);
            }
        }
        finally
        {
            Interlocked.Exchange(ref _running, 0);
            if (Volatile.Read(ref _disposed) != 0)
            {
                Close();
            }
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _stop.Set();
        if (Volatile.Read(ref _running) == 0)
        {
            Close();
        }
    }

    /// <summary>Does one unit of work; false when there is nothing to do until the next poll.</summary>
    private bool Step(LineHandler handler)
    {
        if (_file is null)
        {
            // The file did not exist: whatever appears at the path is new, read it all.
            if (!TryOpen())
            {
                return false;
            }
            _position = 0;
            return true;
        }
        var n = Interop.Read(_file, _buffer.AsSpan(_pending));
        if (n > 0)
        {
            _position += n;
            Split(checked((int)n), handler);
            return true;
        }
        if (n < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno == LibC.EINTR)
            {
                // Interrupted by a signal: Run checks for cancellation, then reads again.
                return true;
            }
            throw Interop.Error("read", _path, errno);
        }
        _catchingUp = false;
        return CheckTruncated() || CheckRotated();
    }

    private bool CheckTruncated()
    {
        var st = Interop.Stat(_file!, _path);
        if (st.Size >= (ulong)_position)
        {
            return false;
        }
        Interop.Lseek(_file!, 0, LibC.SEEK_SET, _path);

        Interlocked.Increment(ref _truncations);
        DropPartialLine();
        _position = 0;
        return true;
    }

    private bool CheckRotated()
    {
        if (!Interop.TryStatPath(_path, followSymlinks: true, out var st, out var errno))
        {
            return errno == LibC.ENOENT ? false : throw Interop.Error("stat", _path, errno);
        }
        if (st.Device == _device && st.Inode == _inode)
        {
            _rotationSeen = false;
            return false;
        }
        if (!_rotationSeen)
        {
            // The writer may have appended to the old file between our last read and the stat: read it once more.
            _rotationSeen = true;
            return true;
        }
        _rotationSeen = false;
        DropPartialLine();
        Close();
        Interlocked.Increment(ref _rotations);
        return true;
    }

    private void DropPartialLine()
    {
        if (_pending > 0 || _discarding)
        {
            Interlocked.Increment(ref _cutLines);
        }
        _pending = 0;
        _discarding = false;
    }

    /// <summary>Hands on every complete line in the buffer and keeps the partial tail at its start.</summary>
    private void Split(int count, LineHandler handler)
    {
        ReadOnlySpan<byte> data = _buffer.AsSpan(0, _pending + count);
        if (_discarding)
        {
            var newline = data.IndexOf((byte)'\n');
            if (newline < 0)
            {
                _pending = 0;
                return;
            }
            data = data[(newline + 1)..];
            _discarding = false;
        }
        while (true)
        {
            var newline = data.IndexOf((byte)'\n');
            if (newline < 0)
            {
                break;
            }
            Deliver(data[..newline], handler);
            data = data[(newline + 1)..];
        }
        if (data.Length > LogLineParser.MaxLineLength)
        {
            Interlocked.Increment(ref _tooLongLines);
            _discarding = true;
            _pending = 0;
            return;
        }
        data.CopyTo(_buffer);
        _pending = data.Length;
    }

    private void Deliver(ReadOnlySpan<byte> line, LineHandler handler)
    {
        if (line.Length > LogLineParser.MaxLineLength)
        {
            Interlocked.Increment(ref _tooLongLines);
            return;
        }
        if (!SyslogHeader.TryStrip(line, out var message))
        {
            Interlocked.Increment(ref _otherLines);
            return;
        }
        TimeSpan? age = null;
        if (_catchingUp)
        {
            var now = DateTimeOffset.UtcNow;
            age = !SyslogHeader.TryReadTime(line, now, out var logged) ? TimeSpan.MaxValue : logged < now ? now - logged : TimeSpan.Zero;
        }
        handler(message, age);
    }

    /// <summary>Reads the open file from <paramref name="offset"/> on, catching up.</summary>
    private void StartAt(long offset)
    {
        _position = Interop.Lseek(_file!, offset, LibC.SEEK_SET, _path);
        _pending = 0;
        _discarding = false;
        _catchingUp = true;
    }

    /// <summary>Opens the path and records its identity; false if it does not exist.</summary>
    private bool TryOpen()
    {
        if (!Interop.TryOpen(_path, LibC.O_RDONLY | LibC.O_CLOEXEC, 0, out var file, out var errno))
        {
            return errno == LibC.ENOENT ? false : throw Interop.Error("open", _path, errno);
        }
        _file = file;
        StatxBuffer st;
        try
        {
            st = Interop.Stat(file, _path);
        }
        catch
        {
            Close();
            throw;
        }
        _device = st.Device;
        _inode = st.Inode;
        _pending = 0;
        _discarding = false;
        return true;
    }

    private void Close() => Interlocked.Exchange(ref _file, null)?.Dispose();
}
