using System.Collections.Concurrent;
using System.Diagnostics;
using Tmds.Linux;

namespace KnockKnock.Tests.Support;

/// <summary>
/// A real systemd-journald for tests on a machine not booted with systemd, leaving the host's /run
/// and journal alone: a private mount namespace (kept alive as a bind mount on a file in a scratch
/// directory, propagation slave so that network namespaces made later still show) with fresh tmpfs
/// on /run/systemd, /run/log and /var/log/journal, set up as on a booted Debian (/run/log/journal
/// 2755 root:systemd-journal). journald runs in it, started and stopped by PID, logging to this
/// object instead of the shared /dev/kmsg, and reads the shared /dev/kmsg into a volatile journal.
/// Its configuration leaves the kernel's audit setting alone and forwards nothing. Whatever reads
/// that journal (the daemon under test) must run in the same namespace: <see cref="Enter"/>.
/// Dispose stops journald and unmounts everything, also when the start failed.
/// </summary>
internal sealed class JournaldHarness : IDisposable
{
    public const string Journald = "/lib/systemd/systemd-journald";

    private const string Configuration = "[Journal]\nStorage=volatile\nAudit=\nReadKMsg=yes\nForwardToSyslog=no\nForwardToWall=no\nForwardToKMsg=no\nForwardToConsole=no\n";

    private readonly string _directory;
    private readonly string _namespace;
    private readonly string _machineId = File.ReadAllText("/etc/machine-id").Trim();
    private readonly ConcurrentQueue<string> _log = new();
    private bool _mounted;
    private Process? _journald;

    public JournaldHarness()
    {
        Root.Require();
        if (!File.Exists(Journald))
        {
            Assert.Fail($"{Journald} is missing: install systemd (scripts/test.sh does)");
        }
        _directory = Directory.CreateTempSubdirectory("kk-journald-").FullName;
        _namespace = Path.Combine(_directory, "mntns");
        try
        {
            File.WriteAllText(_namespace, "");
            File.WriteAllText(Path.Combine(_directory, "journald.conf"), Configuration);
            Command.Check("unshare", $"--mount={_namespace}", "--propagation", "slave", "sh", "-ec",
                "mount -t tmpfs -o mode=0755,size=64m kk-run-systemd /run/systemd\n"
                + "mount -t tmpfs -o mode=0755,size=128m kk-run-log /run/log\n"
                + "mount -t tmpfs -o mode=02755,gid=systemd-journal,size=16m kk-var-log-journal /var/log/journal\n"
                + "mkdir -p /run/systemd/journald.conf.d /run/log/journal\n"
                + $"cp {_directory}/journald.conf /run/systemd/journald.conf.d/50-knockknock-tests.conf\n"
                + "chown root:systemd-journal /run/log/journal\n"
                + "chmod 2755 /run/log/journal\n");
            _mounted = true;
            Start();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The argv prefix that runs a command in the journal's mount namespace (nsenter execs it in place, keeping its PID).</summary>
    public string[] Enter => ["nsenter", $"--mount={_namespace}", "--"];

    /// <summary>journald's PID; 0 when it is stopped.</summary>
    public int ProcessId => _journald is { HasExited: false } journald ? journald.Id : 0;

    /// <summary>What journald logged about itself.</summary>
    public string Log => string.Join('\n', _log);

    /// <summary>The live system journal file, seen through journald's own root.</summary>
    private string SystemJournal => $"/proc/{ProcessId}/root/run/log/journal/{_machineId}/system.journal";

    /// <summary>Runs a command in the namespace and returns its result.</summary>
    public CommandResult Run(params string[] args) => Command.Run(Enter[0], [.. Enter[1..], .. args]);

    /// <summary>Starts journald and waits until its socket and system.journal exist.</summary>
    public void Start()
    {
        if (ProcessId != 0)
        {
            throw new InvalidOperationException("journald runs already");
        }
        var journald = Command.Start(Enter[0], [.. Enter[1..], Journald], new Dictionary<string, string>
        {
            ["SYSTEMD_LOG_TARGET"] = "console",
            ["SYSTEMD_LOG_LEVEL"] = "info",
        }, closeInput: true);
        journald.OutputDataReceived += (_, e) => Collect(e.Data);
        journald.ErrorDataReceived += (_, e) => Collect(e.Data);
        journald.BeginOutputReadLine();
        journald.BeginErrorReadLine();
        _journald = journald;
        var clock = Stopwatch.StartNew();
        while (!(File.Exists($"/proc/{journald.Id}/root/run/systemd/journal/socket") && File.Exists(SystemJournal)))
        {
            if (journald.HasExited || clock.Elapsed > TimeSpan.FromSeconds(10))
            {
                throw new InvalidOperationException($"journald did not get ready (exited: {journald.HasExited}):\n{Log}");
            }
            Thread.Sleep(20);
        }
        // As on a booted system (tmpfiles.d/systemd.conf): group and ACLs on what journald made.
        _ = Run("systemd-tmpfiles", "--create", "--prefix=/run/log/journal", "--prefix=/var/log/journal");
    }

    /// <summary>SIGTERM by PID; waits until journald has exited (its files and kernel-seqnum stay).</summary>
    public void Stop()
    {
        if (_journald is not { } journald)
        {
            return;
        }
        if (!journald.HasExited)
        {
            _ = LibC.kill(journald.Id, LibC.SIGTERM);
            if (!journald.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                _ = LibC.kill(journald.Id, LibC.SIGKILL);
                journald.WaitForExit(TimeSpan.FromSeconds(10));
            }
        }
        journald.WaitForExit();
        journald.Dispose();
        _journald = null;
    }

    /// <summary>SIGUSR2: journald archives system.journal (system@....journal) and starts a new file.</summary>
    public void Rotate()
    {
        var archived = Archived();
        _ = LibC.kill(ProcessId, LibC.SIGUSR2);
        WaitFor(() => Archived() > archived, "rotation");
    }

    /// <summary>How many archived journal files there are.</summary>
    public int Archived() => Directory.EnumerateFiles(Path.GetDirectoryName(SystemJournal)!, "system@*.journal").Count();

    /// <summary>Deletes every archived journal file (journalctl --vacuum-files=1 keeps only the active one).</summary>
    public void Vacuum()
    {
        var result = Run("journalctl", "--vacuum-files=1");
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
    }

    /// <summary>
    /// Stops journald and deletes /run/log/journal itself and kernel-seqnum: the journal is gone
    /// until <see cref="Start"/>, which makes the directory again and replays the kernel ring into a new journal.
    /// </summary>
    public void Wipe()
    {
        Stop();
        var result = Run("rm", "-rf", "/run/log/journal", "/run/systemd/journal/kernel-seqnum");
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
    }

    private static void WaitFor(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(10))
            {
                throw new TimeoutException($"journald: no {what} within 10 s");
            }
            Thread.Sleep(20);
        }
    }

    private void Collect(string? line)
    {
        if (line is not null)
        {
            _log.Enqueue(line);
        }
    }

    public void Dispose()
    {
        try
        {
            Stop();
        }
        finally
        {
            if (_mounted)
            {
                _ = Command.Run("umount", _namespace);
                _mounted = false;
            }
            if (Directory.Exists(_directory))
            {
                Directory.Delete(_directory, recursive: true);
            }
        }
    }
}
