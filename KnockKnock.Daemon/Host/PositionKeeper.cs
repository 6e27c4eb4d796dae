using KnockKnock.Daemon.Log;

namespace KnockKnock.Daemon.Host;

/// <summary>
/// Keeps the log source's position in <see cref="PositionFile"/> (STATE/daemon/position), so that
/// the next daemon reads what was logged while none ran (README, "Restarts"). It runs on the thread
/// that runs the source, where <see cref="ILogSource.Position"/> may be asked: it saves once the
/// source has resumed, after a line that opened a port, at most every <see cref="Interval"/> while
/// lines arrive, and when the daemon stops. A save that fails is logged once per failure spell;
/// knocks go on.
/// </summary>
internal sealed class PositionKeeper : IDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private readonly ILogSource _source;
    private readonly PositionFile? _file;
    private readonly DaemonLog _log;
    private bool _wanted;
    private long _due;
    private string? _saved;
    private bool _failing;

    private PositionKeeper(ILogSource source, PositionFile? file, DaemonLog log)
    {
        _source = source;
        _file = file;
        _log = log;
    }

    /// <summary>
    /// After the privilege drop: reads the saved position from <paramref name="directory"/> (the
    /// daemon user's own), resumes the source there, logs what that did, and saves where it starts.
    /// </summary>
    public static PositionKeeper Resume(ILogSource source, string directory, DaemonLog log)
    {
        PositionFile? file = null;
        string? saved = null;
        var usable = true;
        try
        {
            file = PositionFile.Open(directory);
            if (!file.TryRead(out saved, out var problem))
            {
                usable = false;
                log.Warning($"the saved log position {file.Path} is unusable ({problem}): reading the log from its end; knocks sent while the daemon was not running are not opened");
            }
        }
        catch (IOException e)
        {
            usable = false;
            log.Error($"cannot use the saved log position in {directory} (knocks sent while the daemon does not run are lost): {e.Message}");
        }
        var outcome = source.Resume(saved);
        if (usable)
        {
            if (outcome.IsWarning)
            {
                log.Warning(outcome.Message);
            }
            else
            {
                log.Info(outcome.Message);
            }
        }
        var keeper = new PositionKeeper(source, file, log);
        keeper.Save();
        return keeper;
    }

    /// <summary>Asks for a save after the current line (raised when a knock opened a port, on the source's thread).</summary>
    public void Request() => _wanted = true;

    /// <summary>After each line, on the source's thread: saves when asked to or when <see cref="Interval"/> has passed.</summary>
    public void AfterLine()
    {
        if (_wanted || Environment.TickCount64 >= _due)
        {
            Save();
        }
    }

    /// <summary>Saves the source's position now, unless it is unknown or already saved.</summary>
    public void Save()
    {
        _wanted = false;
        _due = Environment.TickCount64 + (long)Interval.TotalMilliseconds;
        if (_file is null)
        {
            return;
        }
        try
        {
            if (_source.Position is not { } position || position == _saved)
            {
                return;
            }
            _file.Save(position);
            _saved = position;
            if (_failing)
            {
                _failing = false;
                _log.Info("the log position is saved again");
            }
        }
        catch (IOException e)
        {
            if (!_failing)
            {
                _failing = true;
                _log.Error($"cannot save the log position (knocks sent while the daemon restarts may be lost): {e.Message}");
            }
        }
    }

    public void Dispose() => _file?.Dispose();
}
