using System.Globalization;
using System.Text;

namespace KnockKnock.Tests.Support;

/// <summary>
/// Journal files with chosen fields, for the journal source's parser and forgery tests:
/// systemd-journal-remote reads entries in the Journal Export Format and stores every field as
/// given, trusted ones such as _TRANSPORT included (journald itself would never let a client set
/// them). Writing to an existing file appends to it (same seqnum id, sequence numbers go on).
/// </summary>
internal static class JournalFile
{
    public const string JournalRemote = "/lib/systemd/systemd-journal-remote";

    /// <summary>Appends <paramref name="entries"/> to the journal file <paramref name="path"/> (its name must end in .journal).</summary>
    public static void Append(string path, params IReadOnlyDictionary<string, string>[] entries)
    {
        if (!File.Exists(JournalRemote))
        {
            Assert.Fail($"{JournalRemote} is missing: install systemd-journal-remote (scripts/test.sh does)");
        }
        var export = new StringBuilder();
        foreach (var entry in entries)
        {
            foreach (var (field, value) in entry)
            {
                Assert.That(value, Does.Not.Contain('\n'), "export format text fields are one line");
                export.Append(field).Append('=').Append(value).Append('\n');
            }
            export.Append('\n');
        }
        var input = path + ".export";
        File.WriteAllText(input, export.ToString());
        try
        {
            var result = Command.Run(JournalRemote, "-o", path, input);
            Assert.That(result.ExitCode, Is.Zero, result.ToString());
        }
        finally
        {
            File.Delete(input);
        }
    }

    /// <summary>
    /// An entry as journald stores a record the kernel logged: _TRANSPORT=kernel, SYSLOG_FACILITY=0,
    /// the kernel's timestamp in _SOURCE_MONOTONIC_TIMESTAMP; <paramref name="overrides"/> change or
    /// add fields (a null value removes one).
    /// </summary>
    public static Dictionary<string, string> Kernel(string message, string bootId, long monotonicMicroseconds, params (string Field, string? Value)[] overrides)
    {
        var entry = new Dictionary<string, string>
        {
            ["__REALTIME_TIMESTAMP"] = (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000).ToString(CultureInfo.InvariantCulture),
            ["__MONOTONIC_TIMESTAMP"] = monotonicMicroseconds.ToString(CultureInfo.InvariantCulture),
            ["_BOOT_ID"] = bootId,
            ["_TRANSPORT"] = "kernel",
            ["PRIORITY"] = "4",
            ["SYSLOG_FACILITY"] = "0",
            ["SYSLOG_IDENTIFIER"] = "kernel",
            ["_SOURCE_MONOTONIC_TIMESTAMP"] = monotonicMicroseconds.ToString(CultureInfo.InvariantCulture),
            ["MESSAGE"] = message,
        };
        foreach (var (field, value) in overrides)
        {
            if (value is null)
            {
                entry.Remove(field);
            }
            else
            {
                entry[field] = value;
            }
        }
        return entry;
    }
}
