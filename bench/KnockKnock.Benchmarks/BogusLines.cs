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
/// pre-built kernel LOG lines for that port whose source and carrying fields are random, so every
/// line parses, finds the profile, and fails the tag check over all 20 candidate counters. The kind
/// (<see cref="Kinds"/>) sets the protocol, the family and whether the profile binds the source:
/// v1 lines carry ID, SEQ, ACK and WINDOW; v2 lines are connect() SYNs with TCP options (TSval),
/// IPv4 ones with an ID, IPv6 ones with a flow label and a fully expanded SRC.
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

    /// <summary>The line kinds: protocol, family, source binding.</summary>
    public static readonly string[] Kinds = ["v1", "v2-ipv4", "v2-ipv4-bound", "v2-ipv6", "v2-ipv6-bound"];

    public static BogusLines Create(string kind = "v1", int seed = 42)
    {
        if (!Kinds.Contains(kind))
        {
            throw new ArgumentException($"kind is one of {string.Join(", ", Kinds)}", nameof(kind));
        }
        var directory = System.IO.Directory.CreateTempSubdirectory("knockknock-bench-").FullName;
        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        KnockKnock.Crypto.Profiles.Profile.Create(
            Path.Combine(directory, "profiles", "flood"), KnockPort, PortSet.All, bindSource: kind.EndsWith("-bound", StringComparison.Ordinal), protocol: kind == "v1" ? 1 : 2);
        var index = ProfileIndex.Load(Path.Combine(directory, "profiles"), loaded => loaded.ToDictionary(p => p.Name, _ => 0UL));

        var random = new Random(seed);
        var parser = new LogLineParser();
        var lines = new byte[PoolSize][];
        var parsed = new KnockLine[PoolSize];
        for (var i = 0; i < PoolSize; i++)
        {
            lines[i] = Encoding.ASCII.GetBytes(kind == "v1" ? Line(random) : kind.StartsWith("v2-ipv4", StringComparison.Ordinal) ? LineV2(random) : LineV6(random));
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

    /// <summary>A connect() SYN over IPv4 as --log-tcp-sequence --log-tcp-options prints it: random ID, SEQ and TSval.</summary>
    private static string LineV2(Random random) =>
        $"{KnockKnock.Daemon.Firewall.LogPrefix.Default}IN=veth0 OUT= MAC=aa:bb:cc:dd:ee:ff:11:22:33:44:55:66:08:00 " +
        $"SRC={random.Next(1, 224)}.{random.Next(256)}.{random.Next(256)}.{random.Next(1, 255)} DST=198.18.0.1 " +
        $"LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID={random.Next(65536)} DF PROTO=TCP " +
        $"SPT={random.Next(1024, 65536)} DPT={KnockPort} SEQ={(uint)random.NextInt64(1L << 32)} ACK=0 " +
        $"WINDOW=64240 RES=0x00 SYN URGP=0 OPT (020405B40402080A{(uint)random.NextInt64(1L << 32):X8}000000000103030A) ";

    /// <summary>The same over IPv6: SRC as %pI6 prints it, a random flow label.</summary>
    private static string LineV6(Random random) =>
        $"{KnockKnock.Daemon.Firewall.LogPrefix.Default}IN=veth0 OUT= MAC=aa:bb:cc:dd:ee:ff:11:22:33:44:55:66:86:dd " +
        $"SRC=2001:0db8:{string.Join(':', Enumerable.Range(0, 6).Select(_ => random.Next(65536).ToString("x4", System.Globalization.CultureInfo.InvariantCulture)))} " +
        $"DST=2001:0db8:0000:0000:0000:0000:0000:0001 LEN=80 TC=0 HOPLIMIT=64 FLOWLBL={random.Next(1 << 20)} PROTO=TCP " +
        $"SPT={random.Next(1024, 65536)} DPT={KnockPort} SEQ={(uint)random.NextInt64(1L << 32)} ACK=0 " +
        $"WINDOW=64800 RES=0x00 SYN URGP=0 OPT (020405A00402080A{(uint)random.NextInt64(1L << 32):X8}000000000103030A) ";

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
