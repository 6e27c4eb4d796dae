using System.Globalization;

namespace KnockKnock.Daemon.Privileges;

/// <summary>
/// Drops root for good, after the worker has started: no supplementary groups (or exactly the one a
/// log source needs to go on reading, <see cref="ResolveKeptGroup"/>), all three gids,
/// all three uids (glibc applies set*id to every thread), then no_new_privs on every thread (an
/// allow-all seccomp filter with TSYNC: prctl alone marks only the calling thread); then checks the kernel's own view of every thread in
/// /proc/self/task/*/status and throws if anything is off (fail closed).
/// </summary>
internal static class PrivilegeDrop
{
    public const string DefaultUser = "knockknock";

    /// <summary>The shared unprivileged user: allowed only when named explicitly, with a warning.</summary>
    public const string SharedUser = "nobody";

    /// <summary>
    /// Looks up the user to drop to: <paramref name="name"/>, or <see cref="DefaultUser"/> when it is
    /// null. There is no silent fallback: without that user the daemon does not start.
    /// </summary>
    public static (uint Uid, uint Gid) ResolveUser(string? name)
    {
        var user = name ?? DefaultUser;
        var entry = LookUp("user", user, Interop.GetUser) ?? throw KnockKnockException.Usage(name is null
            ? $"no user '{DefaultUser}' to run as: create it (useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin {DefaultUser}, as scripts/install.sh --systemd and the package do), or name another with user = in the config or --user"
            : $"no such user: {name}");
        if (entry.Uid == 0 || entry.Gid == 0)
        {
            throw KnockKnockException.Usage($"refusing to run as {user}: uid or gid 0");
        }
        if (entry.Uid == uint.MaxValue || entry.Gid == uint.MaxValue)
        {
            // (uid_t)-1 and (gid_t)-1 mean "leave unchanged" to setresuid and setresgid.
            throw KnockKnockException.Usage($"refusing to run as {user}: uid or gid {uint.MaxValue}");
        }
        return entry;
    }

    /// <summary>A warning for a user that other services share (<see cref="SharedUser"/>), or null.</summary>
    public static string? SharedUserWarning(string? name) => name == SharedUser
        ? $"running as {SharedUser}, which other services share: any of them could read the daemon's status and interfere with it; create a dedicated user ({DefaultUser})"
        : null;

    /// <summary>
    /// The id of the group <paramref name="name"/> names, which the daemon keeps as its one
    /// supplementary group after the drop (the journal source: journald's files are readable by
    /// group systemd-journal, and the files it makes at rotation must be opened after the drop);
    /// null for none. The daemon user need not be a member: root picks the group itself. There is no
    /// fallback: without that group the daemon does not start.
    /// </summary>
    public static uint? ResolveKeptGroup(string? name)
    {
        if (name is null)
        {
            return null;
        }
        var gid = LookUp("group", name, Interop.GetGroupId)
            ?? throw KnockKnockException.Usage($"no group '{name}', which the journal log source keeps after dropping root to read the journal: is systemd installed? (or use --log-source kmsg)");
        return gid is 0 or uint.MaxValue ? throw KnockKnockException.Usage($"refusing to keep group {name}: gid {gid}") : gid;
    }

    /// <summary>
    /// Looks up the <paramref name="kind"/> (user or group) <paramref name="name"/>: a name that is
    /// empty or holds a control character (a NUL would cut the C lookup short) is refused first,
    /// and a failed lookup (not a missing entry: a broken NSS source) stops the start with one line.
    /// </summary>
    private static T LookUp<T>(string kind, string name, Func<string, T> lookUp)
    {
        if (name.Length == 0 || name.Any(char.IsControl))
        {
            var printable = new string([.. name.Select(c => char.IsControl(c) ? '?' : c)]);
            throw KnockKnockException.Usage($"invalid {kind} name '{printable}': empty or with a control character");
        }
        try
        {
            return lookUp(name);
        }
        catch (ErrnoException e)
        {
            throw KnockKnockException.Failure($"cannot look up {kind} {name}: {e.Description}");
        }
    }

    /// <summary>
    /// Drops to <paramref name="uid"/> and <paramref name="gid"/> (what <see cref="ResolveUser"/>
    /// found at start-up, which the state directory was given to), keeping
    /// <paramref name="keptGroup"/> as the only supplementary group (none when null), and verifies.
    /// </summary>
    public static void Drop(uint uid, uint gid, uint? keptGroup = null)
    {
        if (keptGroup is { } group)
        {
            Interop.SetSupplementaryGroup(group);
        }
        else
        {
            Interop.ClearSupplementaryGroups();
        }
        Interop.SetAllGroupIds(gid);
        Interop.SetAllUserIds(uid);
        Interop.SetNoNewPrivilegesOnAllThreads();
        Verify(uid, gid, keptGroup);
    }

    /// <summary>Throws unless every thread of this process has exactly the dropped state.</summary>
    public static void Verify(uint uid, uint gid, uint? keptGroup = null)
    {
        var tasks = Directory.GetDirectories("/proc/self/task");
        if (tasks.Length == 0)
        {
            throw new InvalidOperationException("privilege drop: no threads in /proc/self/task");
        }
        foreach (var task in tasks)
        {
            var path = Path.Combine(task, "status");
            string status;
            try
            {
                status = File.ReadAllText(path);
            }
            catch (FileNotFoundException)
            {
                continue; // the thread exited meanwhile
            }
            catch (DirectoryNotFoundException)
            {
                continue;
            }
            if (!TryCheckStatus(status, uid, gid, keptGroup, out var problem))
            {
                throw new InvalidOperationException($"privilege drop failed: {path}: {problem}");
            }
        }
    }

    /// <summary>
    /// Pure check of one /proc status text: Uid and Gid (real, effective, saved, fs) all equal
    /// the target, no supplementary groups but <paramref name="keptGroup"/> (exactly that one when
    /// it is set), CapPrm, CapEff and CapAmb zero, NoNewPrivs 1.
    /// </summary>
    public static bool TryCheckStatus(string status, uint uid, uint gid, uint? keptGroup, out string problem)
    {
        ArgumentNullException.ThrowIfNull(status);
        var fields = status.Split('\n')
            .Select(line => line.Split(':', 2))
            .Where(pair => pair.Length == 2)
            .GroupBy(pair => pair[0])
            .ToDictionary(group => group.Key, group => group.First()[1].Trim());
        string u = uid.ToString(CultureInfo.InvariantCulture), g = gid.ToString(CultureInfo.InvariantCulture);
        (string Field, string Expected)[] expected =
        [
            ("Uid", $"{u}\t{u}\t{u}\t{u}"),
            ("Gid", $"{g}\t{g}\t{g}\t{g}"),
            ("Groups", keptGroup is { } kept ? kept.ToString(CultureInfo.InvariantCulture) : ""),
            ("CapPrm", "0000000000000000"),
            ("CapEff", "0000000000000000"),
            ("CapAmb", "0000000000000000"),
            ("NoNewPrivs", "1"),
        ];
        foreach (var (field, value) in expected)
        {
            if (!fields.TryGetValue(field, out var actual) || actual != value)
            {
                problem = $"{field} is '{actual ?? "missing"}', expected '{value}'";
                return false;
            }
        }
        problem = "";
        return true;
    }
}
