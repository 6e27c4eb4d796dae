using System.Text;
using KnockKnock.Crypto.Profiles;
using KnockKnock.Crypto.Protocol;
using KnockKnock.Daemon;
using KnockKnock.Daemon.Knocks;
using KnockKnock.Daemon.Log;
using KnockKnock.Daemon.Worker;

namespace KnockKnock.Benchmarks;

/// <summary>
/// The flood the daemon must shrug off: a real profile on knock port 7000 (window 20) and a pool of
/// pre-built kernel LOG lines for that port whose SRC, ID, SEQ, ACK and WINDOW are random, so every
/// line parses, finds the profile, and fails the tag check over all 20 candidate counters.
/// </summary>
internal sealed class BogusLines : IDisposable
{
    public const ushort KnockPort = 7000;
    public const int ErrorWindow = 20;
    public const int PoolSize = 1024;

    private BogusLines(string directory, ProfileIndex index, byte[][] lines, KnockLine[] parsed)
    {
        Directory = directory;
        Index = index;
        Lines = lines;
        Parsed = parsed;
        Profile = index.Find(KnockPort)!;
        Opener = new RecordingOpener();
        Processor = new KnockProcessor(new LogLineParser(), index, Opener, DaemonLog.ToWriter(TextWriter.Null), delaySeconds: 15, errorWindow: ErrorWindow);
    }

    public string Directory { get; }

    public ProfileIndex Index { get; }

    public ServerProfile Profile { get; }

    public RecordingOpener Opener { get; }

    public KnockProcessor Processor { get; }

    /// <summary>The LOG messages as the sources hand them on (syslog or kmsg header stripped, no newline).</summary>
    public byte[][] Lines { get; }

    /// <summary>The same lines, parsed.</summary>
    public KnockLine[] Parsed { get; }

    public static BogusLines Create(int seed = 42)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("knockknock-bench-").FullName;
        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        KnockKnock.Crypto.Profiles.Profile.Create(Path.Combine(directory, "profiles", "flood"), KnockPort, PortSet.All, bindSource: false);
        var index = ProfileIndex.Load(Path.Combine(directory, "profiles"), loaded => loaded.ToDictionary(p => p.Name, _ => 0UL));

        var random = new Random(seed);
        var parser = new LogLineParser();
        var lines = new byte[PoolSize][];
        var parsed = new KnockLine[PoolSize];
        for (var i = 0; i < PoolSize; i++)
        {
            lines[i] = Encoding.ASCII.GetBytes(Line(random));
            if (!parser.TryParse(lines[i], out parsed[i], out var reason))
            {
                throw new InvalidOperationException($"bench line {i} does not parse: {reason}");
            }
        }
        return new BogusLines(directory, index, lines, parsed);
    }

    /// <summary>A SYN as nf_log_syslog.c prints it with --log-tcp-sequence (see KnockKnock.Tests/Log/KernelLines.cs).</summary>
    private static string Line(Random random) =>
        $"{KnockKnock.Daemon.Firewall.LogPrefix.Default}IN=veth0 OUT= MAC=aa:bb:cc:dd:ee:ff:11:22:33:44:55:66:08:00 " +
        $"SRC={random.Next(1, 224)}.{random.Next(256)}.{random.Next(256)}.{random.Next(1, 255)} DST=198.18.0.1 " +
        $"LEN=40 TOS=0x00 PREC=0x00 TTL={random.Next(32, 256)} ID={random.Next(65536)} DF PROTO=TCP " +
        $"SPT={random.Next(1024, 65536)} DPT={KnockPort} SEQ={(uint)random.NextInt64(1L << 32)} ACK={(uint)random.NextInt64(1L << 32)} " +
        $"WINDOW={random.Next(65536)} RES=0x00 SYN URGP=0 ";

    public void Dispose()
    {
        Index.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    /// <summary>Records what it is asked to open; a bogus line must never get here.</summary>
    internal sealed class RecordingOpener : IPortOpener
    {
        public List<(HostAddress Source, ushort Port, int Seconds)> Openings { get; } = [];

        public OpenOutcome TryOpen(string profile, ulong counter, HostAddress source, ushort port, int seconds, out string reason)
        {
            Openings.Add((source, port, seconds));
            reason = "";
            return OpenOutcome.Opened;
        }
    }
}
