using System.Globalization;
using Tmds.Linux;

namespace KnockKnock.Client;

/// <summary>
/// The one way the client runs a part of itself that must hold no capability: the decoy sender
/// (<see cref="Retransmissions"/>) and the connecting, relaying and proxying part of
/// <c>connect</c> and <c>socks</c> (<see cref="Connect.RawSockets"/>). Capabilities belong to
/// threads: capset(2) changes only the calling thread, and the runtime's other threads (the
/// finalizer among them) keep theirs, so a process can never drop them in place. Instead a thread
/// of its own empties its own capability sets and forks /proc/self/exe (this very file, whatever
/// its path now names), and the copy must never be reachable by its user, not even while it starts:
/// <list type="bullet">
/// <item>Root's copy: the thread sets no_new_privs (and empties its sets unless the copy is to
///   leave uid 0 itself), so the exec grants nothing; a process of uid 0 is root's, out of any
///   other user's reach from its first instruction.</item>
/// <item>A setcap client's copy: the thread sets no no_new_privs, so the exec grants the file's
///   capability again, and a process that gains capabilities at exec is non-dumpable from its first
///   instruction (no ptrace, pidfd_getfd or /proc/PID/fd for its user). Native/copy.c then gives the
///   capability back and sets no_new_privs before the runtime starts a second thread. Without a file
///   capability, or with no_new_privs already set (a copy starting a copy), no exec can do that, and
///   the copy is not started.</item>
/// </list>
/// It inherits its end of a socket pair as descriptor 3 and no other descriptor above 2. The copy
/// then makes itself non-dumpable (again), checks every thread, and only then receives its raw
/// sockets over that socket pair as SCM_RIGHTS (never on its command line, which others can read),
/// checking each.
/// </summary>
internal static class UnprivilegedCopy
{
    private const uint NobodyId = 65534;

    // The copy's end of the socket pair: its descriptor 3, named on its command line.
    private const string ChannelDescriptor = "3";

    // linux/capability.h: CAP_SETUID, bit 7 of CapEff.
    private const int CapabilitySetUid = 7;

    /// <summary>
    /// Starts <c>/proc/self/exe ARGUMENT 3 ARGUMENTS...</c>, its descriptor 3 being
    /// <paramref name="channel"/> and no other above 2 (posix_spawn's file actions), as the summary says. With <paramref name="leaveRoot"/>, root's thread keeps its
    /// capabilities so that the copy can leave uid 0 (<see cref="TakeChannel"/>); root's copy without
    /// it stays uid 0 without any capability. <paramref name="nullStandardStreams"/> gives it
    /// /dev/null instead of this process's streams. Returns its pid; an <see cref="IOException"/>
    /// when the copy could not start non-dumpable (see the summary) or did not start. posix_spawn,
    /// not System.Diagnostics.Process, whose types are 14 % of the client's start-up rehydration
    /// (docs/PERFORMANCE.md, section 3).
    /// </summary>
    public static int Start(string argument, FileDescriptorHandle channel, IEnumerable<string> arguments, bool nullStandardStreams, bool leaveRoot)
    {
        var root = Interop.GetEffectiveUserId() == 0;
        if (!root && (NoNewPrivilegesSet() || !Interop.HasExtendedAttribute("/proc/self/exe", "security.capability")))
        {
            throw new IOException("an unprivileged copy can start non-dumpable only from a client installed with setcap cap_net_raw+ep and without no_new_privs");
        }
        int? copy = null;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                if (root)
                {
                    Interop.SetNoNewPrivileges();
                }
                if (!root || !leaveRoot)
                {
                    Interop.DropThreadCapabilities();
                }
                copy = Interop.Spawn("/proc/self/exe", ["/proc/self/exe", argument, ChannelDescriptor, .. arguments], nullStandardStreams, passed: [channel]);
            }
            catch (Exception e) when (e is IOException or ErrnoException)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        return copy ?? throw new IOException($"the unprivileged process did not start: {failure?.Message}", failure);
    }

    /// <summary>
    /// In the copy, first thing: makes it non-dumpable, leaves uid 0 for nobody when
    /// <paramref name="leaveRoot"/> and it still can (glibc applies setres[ug]id to every thread;
    /// leaving uid 0 clears every capability), checks the descriptor <paramref name="descriptor"/>
    /// and that no thread holds a capability, and returns the channel. Anything else (run by hand, by someone with a capability) is a usage
    /// error naming <paramref name="argument"/>.
    /// </summary>
    public static FileDescriptorHandle TakeChannel(string argument, string descriptor, bool leaveRoot)
    {
        Interop.SetNotDumpable();
        if (leaveRoot && Interop.GetEffectiveUserId() == 0 && ThreadHolds(CapabilitySetUid))
        {
            Interop.ClearSupplementaryGroups();
            Interop.SetAllGroupIds(NobodyId);
            Interop.SetAllUserIds(NobodyId);
        }
        if (!int.TryParse(descriptor, NumberStyles.None, CultureInfo.InvariantCulture, out var fd) || fd < 3
            || Interop.DescriptorFlags(fd) is null || !EveryThreadUnprivileged())
        {
            throw KnockKnockException.Usage($"{argument} is for the client's own use");
        }
        var channel = new FileDescriptorHandle(fd);
        Interop.SetCloseOnExec(channel, true);
        return channel;
    }

    /// <summary>Whether this process's main thread has no_new_privs set.</summary>
    private static bool NoNewPrivilegesSet() => File.ReadAllLines("/proc/self/status").Contains("NoNewPrivs:\t1");

    /// <summary>Whether no thread of this process has a capability (permitted, effective or ambient), and no_new_privs is set.</summary>
    public static bool EveryThreadUnprivileged()
    {
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            string status;
            try
            {
                status = File.ReadAllText(Path.Combine(task, "status"));
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                continue; // the thread has exited
            }
            var unprivileged = status.Split('\n').Count(line =>
                line is "NoNewPrivs:\t1" or "CapPrm:\t0000000000000000" or "CapEff:\t0000000000000000" or "CapAmb:\t0000000000000000");
            if (unprivileged != 4)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Whether the calling thread's effective set holds capability number <paramref name="capability"/>.</summary>
    private static bool ThreadHolds(int capability)
    {
        var line = File.ReadAllLines("/proc/thread-self/status").Single(l => l.StartsWith("CapEff:", StringComparison.Ordinal));
        var effective = ulong.Parse(line["CapEff:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return (effective & (1UL << capability)) != 0;
    }
}
