using System.Globalization;
using System.Net.Sockets;
using System.Text;
using KnockKnock.Tests.EndToEnd;
using KnockKnock.Tests.Support;

namespace KnockKnock.Tests.Service;

/// <summary>
/// In the background the daemon logs to syslog, facility daemon, ident knockknock-daemon. The test
/// plays syslogd: it binds /dev/log itself (this machine has no syslog daemon) and reads what
/// arrives; where a syslog daemon owns /dev/log, it reads the journal instead.
/// </summary>
[TestFixture]
[Category("Root")]
[NonParallelizable]
public sealed class SyslogTests
{
    private const string DevLog = "/dev/log";
    private const int FacilityDaemonInfo = (3 * 8) + 6;

    [Test]
    public void The_background_daemon_logs_its_start_and_each_accepted_knock_to_syslog_as_facility_daemon()
    {
        Root.Require();
        using var site = new KnockSite("nft", delaySeconds: 5);
        var pidFile = site.PidFile;
        using var syslog = SyslogDaemonListens() ? null : Bind();
        var since = DateTime.Now.AddSeconds(-1).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        var start = site.Net.Server.Run(Binaries.Daemon, "--config-dir", site.ConfigDirectory, "--state-dir", site.StateDirectory, "--pidfile", pidFile, "--firewall", "nft");
        Assert.That(start.ExitCode, Is.EqualTo(0), start.ToString());
        var pid = BackgroundServiceTests.LaunchedPid(start);
        try
        {
            site.ClientKnock(KnockSite.Service);
            var prefix = $"knockknock-daemon[{pid}]: ";
            bool Done(List<string> m) => m.Any(l => l.Contains(prefix + "accepted knock:", StringComparison.Ordinal));
            var messages = syslog is null ? Journal(since, Done) : Receive(syslog, Done);
            messages = [.. messages.Where(m => m.Contains(prefix, StringComparison.Ordinal))];
            Assert.That(messages, Has.Some.Contains(prefix + "started:"), string.Join('\n', messages));
            Assert.That(messages, Has.Some.Contains(prefix + "accepted knock: profile alpha"), string.Join('\n', messages));
            if (syslog is not null)
            {
                Assert.That(messages.Where(m => m.Contains(prefix + "started:", StringComparison.Ordinal) || m.Contains(prefix + "accepted knock:", StringComparison.Ordinal)),
                    Has.All.StartWith($"<{FacilityDaemonInfo}>"), "facility daemon, priority info");
            }
        }
        finally
        {
            Command.Run("kill", "-TERM", pid.ToString(CultureInfo.InvariantCulture));
            for (var i = 0; i < 100 && File.Exists(pidFile) && File.ReadAllText(pidFile).Length > 0; i++)
            {
                Thread.Sleep(100);
            }
            if (syslog is not null)
            {
                File.Delete(DevLog);
            }
        }
    }

    /// <summary>Whether a real syslog daemon owns /dev/log (a socket nobody reads is a leftover: replaced).</summary>
    private static bool SyslogDaemonListens()
    {
        if (!File.Exists(DevLog))
        {
            return false;
        }
        using var probe = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(DevLog));
            return true;
        }
        catch (SocketException)
        {
            File.Delete(DevLog);
            return false;
        }
    }

    private static Socket Bind()
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(DevLog));
        File.SetUnixFileMode(DevLog, (UnixFileMode)0b110_110_110);
        socket.ReceiveTimeout = 10_000;
        return socket;
    }

    /// <summary>Datagrams until <paramref name="done"/> says so (or 10 s without one).</summary>
    private static List<string> Receive(Socket socket, Func<List<string>, bool> done)
    {
        var messages = new List<string>();
        var buffer = new byte[4096];
        while (!done(messages))
        {
            try
            {
                messages.Add(Encoding.UTF8.GetString(buffer, 0, socket.Receive(buffer)));
            }
            catch (SocketException)
            {
                break;
            }
        }
        return messages;
    }

    private static List<string> Journal(string since, Func<List<string>, bool> done)
    {
        List<string> lines = [];
        for (var i = 0; i < 50 && !done(lines); i++)
        {
            Thread.Sleep(200);
            lines = [.. Command.Run("journalctl", "-o", "short", "-t", "knockknock-daemon", "--since", since, "--no-pager").StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries)];
        }
        return lines;
    }
}
