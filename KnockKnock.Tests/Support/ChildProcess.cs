using System.Diagnostics;
using KnockKnock.Crypto.Counters;
using KnockKnock.Crypto.Profiles;
using KnockKnock.Crypto.Protocol;

namespace KnockKnock.Tests.Support;

/// <summary>
/// The test assembly's entry point, used only when a test starts this assembly as a real child
/// process (`dotnet KnockKnock.Tests.dll MODE ...`), for behaviour that threads cannot show.
/// </summary>
internal static class ChildProcess
{
    public static int Main(string[] args)
    {
        if (args is ["reserve", var directory, var count])
        {
            using var store = CounterStore.Open(directory, Tmds.Linux.LibC.geteuid());
            for (var i = 0; i < int.Parse(count, System.Globalization.CultureInfo.InvariantCulture); i++)
            {
                Console.WriteLine(store.Reserve());
            }
            return 0;
        }
        if (args is ["exec-without-stdio", var file, .. var arguments])
        {
            // What a careless init script does with `>&- 2>&- <&-`: the command starts without 0, 1 and 2.
            for (var fd = 0; fd <= 2; fd++)
            {
                _ = Tmds.Linux.LibC.close(fd);
            }
            _ = Mono.Unix.Native.Syscall.execv(file, [file, .. arguments]);
            return 127;
        }
        if (args is ["swap-loop", var stateDirectory, var name, var link, var target, var seconds])
        {
            return SwapLoop(stateDirectory, name, link, target, TimeSpan.FromSeconds(int.Parse(seconds, System.Globalization.CultureInfo.InvariantCulture)));
        }
        if (args is ["hold-lock", var pidFile])
        {
            // A process that is not the daemon holds the pidfile's POSIX lock until it is killed.
            using var locked = File.Open(pidFile, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
            var whole = new Tmds.Linux.flock { l_type = (short)Tmds.Linux.LibC.F_WRLCK, l_whence = (short)Tmds.Linux.LibC.SEEK_SET };
            if (FcntlLock((int)locked.SafeFileHandle.DangerousGetHandle(), Tmds.Linux.LibC.F_SETLK, ref whole) != 0)
            {
                return 1;
            }
            Console.WriteLine("locked");
            Thread.Sleep(Timeout.Infinite);
            return 0;
        }
        if (args is ["send-raw", .. var packets])
        {
            return SendRaw(packets);
        }
        if (args is ["steal-descriptor", var pid])
        {
            return StealDescriptor(int.Parse(pid, System.Globalization.CultureInfo.InvariantCulture));
        }
        if (args is ["seal-vectors"])
        {
            return SealVectors();
        }
        Console.Error.WriteLine("usage: KnockKnock.Tests.dll reserve DIR COUNT | exec-without-stdio FILE ARG... | swap-loop DIR NAME LINK TARGET SECONDS | hold-lock PATH | send-raw HEX... | steal-descriptor PID | seal-vectors");
        return 2;
    }

    /// <summary>
    /// What a local user tries on another process of theirs: pidfd_getfd(2) of each of its
    /// descriptors 3-63. Prints and exits 0 for "EPERM" (the process is out of reach), 1 and the
    /// number for a stolen descriptor, 2 for anything else.
    /// </summary>
    private static int StealDescriptor(int pid)
    {
        const long PidfdOpen = 434, PidfdGetfd = 438; // the same numbers on x86-64 and arm64
        var pidfd = SyscallDescriptor(PidfdOpen, pid, 0, 0);
        if (pidfd < 0)
        {
            Console.WriteLine($"pidfd_open: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
            return 2;
        }
        for (var fd = 3; fd < 64; fd++)
        {
            if (SyscallDescriptor(PidfdGetfd, pidfd, fd, 0) >= 0)
            {
                Console.WriteLine($"stole descriptor {fd}");
                return 1;
            }
            if (System.Runtime.InteropServices.Marshal.GetLastPInvokeError() == Tmds.Linux.LibC.EPERM)
            {
                Console.WriteLine("EPERM");
                return 0;
            }
        }
        Console.WriteLine("no descriptor found");
        return 2;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static extern long SyscallDescriptor(long number, long first, long second, long third);

    /// <summary>
    /// Sends complete IPv4 or IPv6 packets (hex) as they are, through IPPROTO_RAW sockets, in the
    /// network namespace this process runs in (`ip netns exec`): how a test puts a hand-made SYN on
    /// a test link. Run by root only.
    /// </summary>
    private static int SendRaw(string[] packets)
    {
        using var v4 = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Raw, System.Net.Sockets.ProtocolType.Raw);
        using var v6 = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetworkV6, System.Net.Sockets.SocketType.Raw, System.Net.Sockets.ProtocolType.Raw);
        foreach (var hex in packets)
        {
            var packet = Convert.FromHexString(hex);
            var ipv4 = packet[0] >> 4 == 4;
            var destination = new System.Net.IPAddress(ipv4 ? packet.AsSpan(16, 4) : packet.AsSpan(24, 16));
            (ipv4 ? v4 : v6).SendTo(packet, new System.Net.IPEndPoint(destination, 0));
        }
        return 0;
    }

    /// <summary>
    /// The attack of a daemon-user process on root's start-up: in a tight loop, exchange DIR/NAME with
    /// DIR/LINK (a symlink to TARGET, a root-owned directory, made here if it can be) with renameat2
    /// RENAME_EXCHANGE, so that root, walking DIR/NAME by path, lands in the other directory. Prints how
    /// many exchanges succeeded; exits 0 either way (the test judges what root did).
    /// </summary>
    private static int SwapLoop(string directory, string name, string link, string target, TimeSpan duration)
    {
        var (pathA, pathB) = (Path.Combine(directory, name), Path.Combine(directory, link));
        var swaps = 0L;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            // The directory may be recreated by root at any time: keep planting the pieces.
            try
            {
                Directory.CreateDirectory(pathA);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // not ours to create (the current layout): keep trying, the test checks the result
            }
            _ = Symlink(target, pathB);
            for (var i = 0; i < 1000; i++)
            {
                if (RenameAt2(-100, pathA, -100, pathB, 2 /* RENAME_EXCHANGE */) == 0)
                {
                    swaps++;
                }
            }
        }
        Console.WriteLine($"swaps {swaps}");
        return 0;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "renameat2", SetLastError = true)]
    private static extern int RenameAt2(int olddirfd, string oldpath, int newdirfd, string newpath, uint flags);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "symlink", SetLastError = true)]
    private static extern int Symlink(string target, string linkpath);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static extern int FcntlLock(int fd, int command, ref Tmds.Linux.flock lockData);

    /// <summary>Starts this test assembly as a child process with the given arguments.</summary>
    /// <summary>
    /// Seals every vector of docs/PROTOCOL.md, one line each, then names the AES library this process
    /// mapped for it: "aes: nettle", "aes: openssl" or both.
    /// </summary>
    private static int SealVectors()
    {
        foreach (var v in Protocol.ProtocolVectorTests.Vectors)
        {
            using var cipher = KnockCipher.Create(Convert.FromHexString(v.Secret), v.Bind);
            Console.WriteLine(cipher.Seal(v.Counter, v.KnockPort, v.Port, v.Source));
        }
        foreach (var v in Protocol.ProtocolVectorTests.VectorsV2)
        {
            using var cipher = KnockCipherV2.Create(Convert.FromHexString(v.Secret), v.Bind, v.Family);
            Console.WriteLine(cipher.Seal(v.Counter, v.KnockPort, v.Port, v.Source));
        }
        var maps = File.ReadAllText("/proc/self/maps");
        Console.WriteLine("aes:" + (maps.Contains("/libnettle.so", StringComparison.Ordinal) ? " nettle" : "") + (maps.Contains("/libcrypto.so", StringComparison.Ordinal) ? " openssl" : ""));
        return 0;
    }

    public static CommandResult Run(IDictionary<string, string> environment, params string[] args)
        => Command.Run(DotnetHost, [typeof(ChildProcess).Assembly.Location, .. args], environment: environment);

    public static Process Start(params string[] args) => Command.Start(DotnetHost, [typeof(ChildProcess).Assembly.Location, .. args]);

    /// <summary>Runs this test assembly in a network namespace with the given arguments, to its end.</summary>
    public static CommandResult RunIn(NetworkNamespace ns, params string[] args) => ns.Run(DotnetHost, [typeof(ChildProcess).Assembly.Location, .. args]);

    private static string DotnetHost => Environment.ProcessPath!.EndsWith("dotnet", StringComparison.Ordinal) ? Environment.ProcessPath : "dotnet";
}
