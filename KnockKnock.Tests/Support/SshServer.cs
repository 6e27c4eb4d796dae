using System.Diagnostics;

namespace KnockKnock.Tests.Support;

/// <summary>
/// A real OpenSSH server (Debian's openssh-server) run by a test inside a network namespace, on
/// one port, with everything of its own in one directory: config, ed25519 host key, and the
/// authorized key of a client key pair made here (root logs in with it, key only). The client side
/// (<see cref="ClientArguments"/>) trusts exactly that host key. sshd runs in the foreground
/// (<c>-D -e</c>), so its PID is the process started; dispose ends it by that PID.
/// </summary>
internal sealed class SshServer : IDisposable
{
    public const string Sshd = "/usr/sbin/sshd";

    /// <summary>The name the client knows the host key by, whatever address or name it connects to.</summary>
    private const string HostKeyAlias = "knockknock-test-server";

    private readonly Process _process;
    private readonly List<string> _log = [];

    private SshServer(Process process, string directory)
    {
        _process = process;
        Directory = directory;
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_log)
                {
                    _log.Add(e.Data);
                    Monitor.PulseAll(_log);
                }
            }
        };
        _process.BeginErrorReadLine();
    }

    public string Directory { get; }

    /// <summary>The client's private key.</summary>
    public string ClientKey => Path.Combine(Directory, "id_ed25519");

    /// <summary>What sshd logged so far.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return string.Join('\n', _log);
            }
        }
    }

    /// <summary>Makes the keys and config in <paramref name="directory"/> (created) and starts sshd on <paramref name="port"/> in <paramref name="ns"/>; waits until it listens.</summary>
    public static SshServer Start(NetworkNamespace ns, int port, string directory)
    {
        Packaging.ToolRequirement.Require("sshd", "ssh", "scp", "ssh-keygen", "nc");
        System.IO.Directory.CreateDirectory(directory);
        // sshd refuses to start without its privilege separation directory (Debian's unit makes it).
        System.IO.Directory.CreateDirectory("/run/sshd");
        var hostKey = Path.Combine(directory, "host_ed25519");
        var clientKey = Path.Combine(directory, "id_ed25519");
        Command.Check("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "knockknock-test-host", "-f", hostKey);
        Command.Check("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "knockknock-test-client", "-f", clientKey);
        File.Copy(clientKey + ".pub", Path.Combine(directory, "authorized_keys"));
        File.WriteAllText(Path.Combine(directory, "known_hosts"), $"{HostKeyAlias} {File.ReadAllText(hostKey + ".pub").Trim()}\n");
        var config = Path.Combine(directory, "sshd_config");
        File.WriteAllText(config, $"""
            Port {port}
            HostKey {hostKey}
            PidFile none
            AuthorizedKeysFile {Path.Combine(directory, "authorized_keys")}
            PermitRootLogin prohibit-password
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            UsePAM no
            StrictModes no
            Subsystem sftp /usr/lib/openssh/sftp-server
            LogLevel VERBOSE

            """);
        var server = new SshServer(ns.Start(Sshd, ["-D", "-e", "-f", config]), directory);
        try
        {
            server.WaitForLog("Server listening on", TimeSpan.FromSeconds(10));
        }
        catch
        {
            server.Dispose();
            throw;
        }
        return server;
    }

    /// <summary>
    /// ssh's arguments (after <c>ssh</c>, before the remote command) to log in as root to
    /// <paramref name="host"/>:<paramref name="port"/> through <paramref name="proxyCommand"/>: no
    /// user config, the client key, this server's host key only, never a prompt.
    /// </summary>
    public string[] ClientArguments(string host, int port, string proxyCommand)
        => ["-F", "/dev/null", .. SecurityOptions, "-o", "ProxyCommand=" + proxyCommand, "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-l", "root", host];

    /// <summary>The options that make any ssh, scp or sftp of the test use the client key and trust exactly this server's host key.</summary>
    public string[] SecurityOptions =>
        ["-i", ClientKey, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "HostKeyAlias=" + HostKeyAlias,
         "-o", "UserKnownHostsFile=" + Path.Combine(Directory, "known_hosts"), "-o", "StrictHostKeyChecking=yes", "-o", "GlobalKnownHostsFile=/dev/null"];

    /// <summary>Waits for a line of sshd's log that contains <paramref name="text"/>.</summary>
    public void WaitForLog(string text, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        lock (_log)
        {
            while (!_log.Any(l => l.Contains(text, StringComparison.Ordinal)))
            {
                var left = timeout - clock.Elapsed;
                if (left <= TimeSpan.Zero || _process.HasExited)
                {
                    throw new InvalidOperationException($"sshd never logged '{text}' (exited: {_process.HasExited}):\n{string.Join('\n', _log)}");
                }
                Monitor.Wait(_log, left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
            }
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _ = Tmds.Linux.LibC.kill(_process.Id, Tmds.Linux.LibC.SIGTERM);
            if (!_process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                _ = Tmds.Linux.LibC.kill(_process.Id, Tmds.Linux.LibC.SIGKILL);
                _process.WaitForExit(TimeSpan.FromSeconds(10));
            }
        }
        _process.Dispose();
    }
}
