using System.Diagnostics;
using Tmds.Linux;

namespace KnockKnock.Tests.Support;

/// <summary>
/// tcpdump on one interface of a test namespace, writing a pcap file; started and stopped (by its
/// PID, SIGINT) by the test. The packets are read back with <see cref="Pcap"/>.
/// </summary>
internal sealed class PacketCapture : IDisposable
{
    private readonly Process _tcpdump;
    private readonly string _file;

    private PacketCapture(Process tcpdump, string file) => (_tcpdump, _file) = (tcpdump, file);

    /// <summary>Starts capturing what matches the pcap <paramref name="filter"/> and returns once tcpdump listens.</summary>
    public static PacketCapture Start(NetworkNamespace ns, string device, string file, string filter)
    {
        // ip netns exec execs tcpdump in place: the PID is tcpdump's. Immediate mode: without it the
        // packets wait in the kernel's capture ring for up to a second, and a SIGINT loses them.
        var tcpdump = ns.Start("tcpdump", ["-i", device, "--immediate-mode", "-U", "-n", "-w", file, filter]);
        var capture = new PacketCapture(tcpdump, file);
        var deadline = Stopwatch.GetTimestamp() + (10 * Stopwatch.Frequency);
        while (tcpdump.StandardError.ReadLine() is { } line)
        {
            if (line.Contains("listening on", StringComparison.Ordinal))
            {
                return capture;
            }
            if (Stopwatch.GetTimestamp() > deadline)
            {
                break;
            }
        }
        capture.Dispose();
        throw new InvalidOperationException($"tcpdump in {ns.Name} did not start listening");
    }

    /// <summary>Stops tcpdump and returns the IP packets it captured.</summary>
    public IReadOnlyList<byte[]> Stop()
    {
        if (!_tcpdump.HasExited)
        {
            _ = LibC.kill(_tcpdump.Id, LibC.SIGINT);
            if (!_tcpdump.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                throw new TimeoutException("tcpdump did not stop on SIGINT");
            }
        }
        return Pcap.IpPackets(_file);
    }

    public void Dispose()
    {
        if (!_tcpdump.HasExited)
        {
            _ = LibC.kill(_tcpdump.Id, LibC.SIGKILL);
            _tcpdump.WaitForExit(TimeSpan.FromSeconds(10));
        }
        _tcpdump.Dispose();
    }
}
