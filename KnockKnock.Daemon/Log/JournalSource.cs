using System.Runtime.InteropServices;

namespace KnockKnock.Daemon.Log;

/// <summary>
/// Reads kernel records from the systemd journal through libsystemd's sd-journal API
/// (sd-journal(3), systemd 252): the local system journal only (<c>sd_journal_open</c> with
/// SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM: the system*.journal files of this machine under
/// /run/log/journal and /var/log/journal, directories that must be root's and closed to writing by
/// others), and in it only what the kernel logged itself.
/// </summary>
/// <remarks>
/// <para>Kernel records only: the matches <c>_TRANSPORT=kernel</c> AND <c>SYSLOG_FACILITY=0</c>.
/// journald sets _TRANSPORT itself (fields starting with '_' cannot be sent by clients), so a client
/// of the native protocol that claims SYSLOG_FACILITY=0 is stored with _TRANSPORT=journal; and a
/// record root writes to /dev/kmsg is stored with _TRANSPORT=kernel but a facility of 1 or more
/// (the kernel turns a written facility 0 into LOG_USER). Both were measured with systemd 252.
/// journald's own "Missed N kernel messages" notices (<c>_TRANSPORT=driver</c> AND
/// <c>MESSAGE_ID=e9bf28e6e834481bb6f48f548ad13606</c>) are read too, and counted as lost, not handed on.</para>
/// <para>MESSAGE is the kernel's text byte for byte (trailing space included), handed on from the
/// journal's mapping without a copy.</para>
/// <para>One thread: sd-journal(3) lets a journal object be used by the thread that opened it, for
/// its whole life. That is the constructor's thread; <see cref="Resume"/>, <see cref="Run"/>,
/// <see cref="Position"/> and a <see cref="Dispose"/> outside <see cref="Run"/> must be called on
/// it (others throw <see cref="InvalidOperationException"/>). A Dispose from another thread while
/// Run runs stops Run, which closes the journal as it returns; one from another thread while Run
/// does not run leaves the journal open until the process ends. The daemon opens it on its main
/// thread as root before the privilege drop (the directory watches are made then) and reads on the
/// same thread after it.</para>
/// <para>Privileges: journald makes new files at every rotation, and the reader must open them.
/// Without a group that may read them (the files are 0640 root:systemd-journal) the reader goes
/// deaf for good at the first rotation (measured), so the daemon keeps the supplementary group
/// <see cref="Group"/> after the drop (Privileges/PrivilegeDrop.cs).</para>
/// <para>Waiting: journald wakes readers only 250 to 500 ms after it wrote an entry, but
/// sd_journal_next sees an entry as soon as it is written; waiting at most 100 ms at a time caps
/// the delay (measured median from SYN to read: 59 ms, against 388 ms with an unbounded wait).</para>
/// <para>Changes: SD_JOURNAL_INVALIDATE (rotation, vacuum, files deleted or added) needs nothing but
/// reading on. When no journal file is left open (journald's directory deleted and made again, which
/// sd-journal does not follow), the journal is opened again every second until files are there, and
/// reading goes on after the last position taken (<see cref="Position"/>), catching up.</para>
/// <para>Resuming (<see cref="JournalPosition"/>): sd_journal_seek_cursor, then the entry after
/// it. A vanished entry (vacuumed, a new journal) puts the journal on the first entry after where it
/// was, which is handed on; a cursor nothing follows, or one sd-journal rejects, leaves it at the end.
/// While catching up, an entry's age comes from _SOURCE_MONOTONIC_TIMESTAMP (the kernel's own time,
/// which journald keeps even when it reads the record late), or from the time journald received an
/// entry of another boot.</para>
/// </remarks>
internal sealed unsafe class JournalSource : ILogSource
{
    public const string Name = "journal";

    /// <summary>The group that may read the system journal (tmpfiles.d/systemd.conf): the one supplementary group the daemon keeps for this source.</summary>
    public const string Group = "systemd-journal";

    /// <summary>Where sd_journal_open looks for the system journal: the volatile and the persistent one.</summary>
    public static readonly string[] Directories = ["/run/log/journal", "/var/log/journal"];

    private const ulong WaitMicroseconds = 100_000;
    private const long ReopenIntervalMilliseconds = 1000;
    private const int ESTALE = 116;
    private const int ENOENT = 2;

    private readonly int _owner = Environment.CurrentManagedThreadId;
    private readonly string[]? _files;
    private nint _journal;
    private volatile bool _disposed;
    private int _running;
    private bool _resumed;
    private bool _catchingUp;
    private bool _pending;
    private bool _gone;
    private long _lastReopen;
    private string? _cursor;
    private long _changes;
    private long _reopens;
    private long _missed;

    /// <summary>Opens the system journal at its end. An <see cref="IOException"/> when it cannot, or when it has no file this process can read.</summary>
    public JournalSource()
    {
        CheckDirectories();
        _journal = Open(null);
        if (Usage() == 0)
        {
            Close();
            throw new IOException($"no system journal file in {string.Join(" or ", Directories)} can be read: is systemd-journald running?");
        }
    }

    /// <summary>Reads the given journal files instead of the system journal (tests and benchmarks: journals made with systemd-journal-remote), from their start when <paramref name="fromStart"/>.</summary>
    internal JournalSource(string[] files, bool fromStart)
    {
        _files = files;
        _journal = Open(files);
        if (fromStart)
        {
            Interop.CheckNegative(Interop.SdJournalSeekHead(_journal), "sd_journal_seek_head", What);
        }
    }

    public long LinesLost => Interlocked.Read(ref _missed);

    public string Counters => $"journal files added or removed {Interlocked.Read(ref _changes)} times, journal reopened {Interlocked.Read(ref _reopens)} times, kernel records journald missed {LinesLost}";

    public string? Position
    {
        get
        {
            CheckOwner();
            if (!_pending && _journal != 0 && Interop.SdJournalGetCursor(_journal, out var cursor) >= 0)
            {
                try
                {
                    _cursor = Marshal.PtrToStringUTF8((nint)cursor);
                }
                finally
                {
                    NativeMemory.Free(cursor);
                }
            }
            // No entry current (a journal gone, or one that never had a kernel record): the last one known.
            return _cursor is { } known && JournalPosition.IsCursor(known) ? new JournalPosition(known).Format() : null;
        }
    }

    private string What => _files is null ? "the system journal" : string.Join(", ", _files);

    public Resumption Resume(string? saved)
    {
        CheckOwner();
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_resumed || Volatile.Read(ref _running) != 0)
        {
            throw new InvalidOperationException("Resume comes once, before Run.");
        }
        _resumed = true;
        if (saved is null)
        {
            return Resumption.Info("no saved log position: reading the journal from its end");
        }
        if (!JournalPosition.TryParse(saved, out var position))
        {
            return Resumption.Warning($"the saved log position is not a journal cursor ('{saved}'): reading the journal from its end; knocks sent while the daemon was not running are not opened");
        }
        var outcome = SeekAfter(position.Cursor);
        _catchingUp = true;
        return outcome switch
        {
            Seek.After => Resumption.Info("resuming the journal after the saved cursor"),
            Seek.NextOne => Resumption.Info("the saved journal entry is gone (vacuumed, or a new journal): resuming at the first entry after it"),
            Seek.NothingAfter => Resumption.Info("resuming the journal after the saved cursor: nothing was logged since"),
            _ => Resumption.Warning($"the journal does not know the saved cursor ('{position.Cursor}'): reading it from its end; knocks sent while the daemon was not running are not opened"),
        };
    }

    public void Run(LineHandler handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        CheckOwner();
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Interlocked.Exchange(ref _running, 1) != 0)
        {
            throw new InvalidOperationException("The source is already running.");
        }
        try
        {
            while (!_disposed && !cancellationToken.IsCancellationRequested)
            {
                if (_gone)
                {
                    WaitForJournal(cancellationToken);
                    continue;
                }
                var moved = _pending ? 1 : Interop.CheckNegative(Interop.SdJournalNext(_journal), "sd_journal_next", What);
                _pending = false;
                if (moved > 0)
                {
                    Deliver(handler);
                    continue;
                }
                _catchingUp = false;
                if (Interop.CheckNegative(Interop.SdJournalWait(_journal, WaitMicroseconds), "sd_journal_wait", What) == Interop.SD_JOURNAL_INVALIDATE)
                {
                    Interlocked.Increment(ref _changes);
                    if (_files is null && Usage() == 0)
                    {
                        // Every file is gone; if journald's directory went with them, sd-journal will not see the new one.
                        _gone = true;
                        _lastReopen = Environment.TickCount64;
                    }
                }
            }
        }
        finally
        {
            Volatile.Write(ref _running, 0);
            if (_disposed && Environment.CurrentManagedThreadId == _owner)
            {
                Close();
            }
        }
    }

    public void Dispose()
    {
        _disposed = true;
        if (Environment.CurrentManagedThreadId == _owner && Volatile.Read(ref _running) == 0)
        {
            Close();
        }
    }

    /// <summary>
    /// Why the daemon user, holding <see cref="Group"/> as its only supplementary group, could not
    /// read a journal directory or file after the privilege drop (each must be readable by that
    /// group or by everyone), one line each; empty when it can.
    /// </summary>
    public static List<string> UnprivilegedReadProblems(uint groupId)
    {
        var problems = new List<string>();
        foreach (var root in Directories.Where(Directory.Exists))
        {
            var entries = new List<string> { root };
            foreach (var machine in Directory.EnumerateDirectories(root))
            {
                entries.Add(machine);
                entries.AddRange(Directory.EnumerateFiles(machine, "system*.journal*"));
            }
            foreach (var entry in entries)
            {
                if (!Interop.TryStatPath(entry, followSymlinks: false, out var status, out _))
                {
                    continue;
                }
                var need = status.Type == StatxBuffer.Directory ? 0x5u : 0x4u; // r-x for a directory, r-- for a file
                if ((status.Gid != groupId || ((status.Permissions >> 3) & need) != need) && (status.Permissions & need) != need)
                {
                    problems.Add($"{entry} ({Convert.ToString(status.Permissions & 0x1FF, 8)}, group {status.Gid}) cannot be read by group {Group} (gid {groupId}), which the daemon keeps after the privilege drop: run systemd-tmpfiles --create --prefix /run/log/journal --prefix /var/log/journal");
                }
            }
        }
        return problems;
    }

    /// <summary>Refuses journal directories another user than root may write: their files could hold forged kernel records.</summary>
    private static void CheckDirectories()
    {
        var machine = File.Exists("/etc/machine-id") ? File.ReadAllText("/etc/machine-id").Trim() : "";
        foreach (var root in Directories)
        {
            foreach (var path in machine.Length == 32 ? [root, $"{root}/{machine}"] : new[] { root })
            {
                if (!Interop.TryStatPath(path, followSymlinks: false, out var status, out _))
                {
                    continue;
                }
                if (status.Type != StatxBuffer.Directory || status.Uid != 0 || (status.Permissions & 0x12) != 0)
                {
                    throw KnockKnockException.Usage($"journal directory {path} is not a directory of root's closed to writing by group and others (uid {status.Uid}, mode {Convert.ToString(status.Permissions, 8)}): it could hold forged kernel records; run systemd-tmpfiles --create --prefix {root}");
                }
            }
        }
    }

    private enum Seek
    {
        After,
        NextOne,
        NothingAfter,
        Unknown,
    }

    /// <summary>Positions the journal so that the next entry read is the first one after <paramref name="cursor"/>'s.</summary>
    private Seek SeekAfter(string cursor)
    {
        var bytes = System.Text.Encoding.ASCII.GetBytes(cursor + "\0");
        fixed (byte* text = bytes)
        {
            if (Interop.SdJournalSeekCursor(_journal, text) < 0)
            {
                // The position is unchanged, and the next read would return the oldest entry: back to the end.
                SeekEnd();
                return Seek.Unknown;
            }
            if (Interop.CheckNegative(Interop.SdJournalNext(_journal), "sd_journal_next", What) == 0)
            {
                // Nothing at or after the cursor: it lies beyond the end (forged), or its entry and all after it are gone.
                SeekEnd();
                return Seek.NothingAfter;
            }
            _cursor = cursor;
            if (Interop.CheckNegative(Interop.SdJournalTestCursor(_journal, text), "sd_journal_test_cursor", What) > 0)
            {
                return Seek.After;
            }
            _pending = true;
            return Seek.NextOne;
        }
    }

    /// <summary>After the last entry: the next one read is new.</summary>
    private void SeekEnd()
    {
        Interop.CheckNegative(Interop.SdJournalSeekTail(_journal), "sd_journal_seek_tail", What);
        // seek_tail + next would return the last entry once more (systemd 252); previous makes it current instead.
        Interop.CheckNegative(Interop.SdJournalPrevious(_journal), "sd_journal_previous", What);
    }

    /// <summary>While no journal file is open: every second, opens the journal again; once it has files, reads on after the last position taken.</summary>
    private void WaitForJournal(CancellationToken cancellationToken)
    {
        if (Environment.TickCount64 - _lastReopen < ReopenIntervalMilliseconds)
        {
            cancellationToken.WaitHandle.WaitOne(100);
            return;
        }
        _lastReopen = Environment.TickCount64;
        Close();
        _journal = Open(null);
        if (Usage() == 0)
        {
            return;
        }
        _gone = false;
        Interlocked.Increment(ref _reopens);
        if (_cursor is { } cursor)
        {
            _ = SeekAfter(cursor);
        }
        else
        {
            Interop.CheckNegative(Interop.SdJournalSeekHead(_journal), "sd_journal_seek_head", What);
        }
        _catchingUp = true;
    }

    private void Deliver(LineHandler handler)
    {
        TimeSpan? age = _catchingUp ? Age() : null;
        if (!TryGetField("_TRANSPORT"u8, out var transport))
        {
            return;
        }
        if (!transport.SequenceEqual("kernel"u8))
        {
            // The only other entries the matches let through: journald's "Missed N kernel messages".
            if (TryGetField("MESSAGE"u8, out var notice) && notice.StartsWith("Missed "u8) && TryParseCount(notice["Missed ".Length..], out var count))
            {
                Interlocked.Add(ref _missed, count);
            }
            return;
        }
        if (TryGetField("MESSAGE"u8, out var message))
        {
            handler(message, age);
        }
    }

    /// <summary>How long ago the current entry was logged (see the remarks).</summary>
    private TimeSpan Age()
    {
        var result = Interop.SdJournalGetMonotonicUsec(_journal, out var received, null);
        if (result == -ESTALE)
        {
            Interop.CheckNegative(Interop.SdJournalGetRealtimeUsec(_journal, out var realtime), "sd_journal_get_realtime_usec", What);
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
            return TimeSpan.FromMicroseconds(realtime < (ulong)now ? now - (long)realtime : 0);
        }
        Interop.CheckNegative(result, "sd_journal_get_monotonic_usec", What);
        var logged = TryGetField("_SOURCE_MONOTONIC_TIMESTAMP"u8, out var source) && TryParseCount(source, out var kernel) ? (ulong)kernel : received;
        var monotonic = Interop.MonotonicMicroseconds();
        return TimeSpan.FromMicroseconds(logged < (ulong)monotonic ? monotonic - (long)logged : 0);
    }

    /// <summary>The value of a field of the current entry (valid until the next field or move); false when it has none.</summary>
    private bool TryGetField(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        value = default;
        Span<byte> field = stackalloc byte[name.Length + 1];
        name.CopyTo(field);
        field[^1] = 0;
        byte* data;
        nuint length;
        int result;
        fixed (byte* pointer = field)
        {
            result = Interop.SdJournalGetData(_journal, pointer, out data, out length);
        }
        if (result == -ENOENT)
        {
            return false;
        }
        Interop.CheckNegative(result, "sd_journal_get_data", What);
        // data is "NAME=value"
        var all = new ReadOnlySpan<byte>(data, checked((int)length));
        if (all.Length <= name.Length || all[name.Length] != (byte)'=')
        {
            return false;
        }
        value = all[(name.Length + 1)..];
        return true;
    }

    /// <summary>Leading decimal digits (at least one, at most 19).</summary>
    private static bool TryParseCount(ReadOnlySpan<byte> text, out long value)
    {
        value = 0;
        var digits = text.IndexOfAnyExceptInRange((byte)'0', (byte)'9');
        digits = digits < 0 ? text.Length : digits;
        if (digits is 0 or > 18)
        {
            return false;
        }
        foreach (var b in text[..digits])
        {
            value = (value * 10) + (b - '0');
        }
        return true;
    }

    private long Usage()
    {
        Interop.CheckNegative(Interop.SdJournalGetUsage(_journal, out var bytes), "sd_journal_get_usage", What);
        return (long)Math.Min(bytes, long.MaxValue);
    }

    private nint Open(string[]? files)
    {
        nint journal;
        if (files is null)
        {
            Interop.CheckNegative(Interop.SdJournalOpen(out journal, Interop.SD_JOURNAL_LOCAL_ONLY | Interop.SD_JOURNAL_SYSTEM), "sd_journal_open", What);
        }
        else
        {
            var paths = files.Select(f => System.Text.Encoding.UTF8.GetBytes(f + "\0")).ToArray();
            var handles = paths.Select(p => GCHandle.Alloc(p, GCHandleType.Pinned)).ToArray();
            try
            {
                var list = stackalloc byte*[paths.Length + 1];
                for (var i = 0; i < paths.Length; i++)
                {
                    list[i] = (byte*)handles[i].AddrOfPinnedObject();
                }
                list[paths.Length] = null;
                Interop.CheckNegative(Interop.SdJournalOpenFiles(out journal, list, 0), "sd_journal_open_files", What);
            }
            finally
            {
                foreach (var handle in handles)
                {
                    handle.Free();
                }
            }
        }
        _journal = journal;
        try
        {
            AddMatch("_TRANSPORT=kernel"u8);
            AddMatch("SYSLOG_FACILITY=0"u8);
            Interop.CheckNegative(Interop.SdJournalAddDisjunction(journal), "sd_journal_add_disjunction", What);
            AddMatch("_TRANSPORT=driver"u8);
            AddMatch("MESSAGE_ID=e9bf28e6e834481bb6f48f548ad13606"u8);
            SeekEnd();
            // Creates the inotify descriptor and the directory watches now, while the daemon may still be root.
            Interop.CheckNegative(Interop.SdJournalGetFd(journal), "sd_journal_get_fd", What);
        }
        catch
        {
            Close();
            throw;
        }
        return journal;
    }

    private void AddMatch(ReadOnlySpan<byte> match)
    {
        fixed (byte* data = match)
        {
            Interop.CheckNegative(Interop.SdJournalAddMatch(_journal, data, (nuint)match.Length), "sd_journal_add_match", What);
        }
    }

    private void Close()
    {
        if (_journal != 0)
        {
            Interop.SdJournalClose(_journal);
            _journal = 0;
        }
    }

    private void CheckOwner()
    {
        if (Environment.CurrentManagedThreadId != _owner)
        {
            throw new InvalidOperationException("A journal is used only by the thread that opened it (sd-journal(3)).");
        }
    }
}
