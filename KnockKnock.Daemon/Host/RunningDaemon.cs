using System.Globalization;

namespace KnockKnock.Daemon.Host;

/// <summary>
/// Finding the running daemon as root without trusting anything the daemon user wrote: the process
/// that holds the pidfile's lock (F_GETLK; only root can open that root-owned file for writing and
/// lock it), whose real uid is the daemon user and whose executable is the daemon's long-running
/// image beside this command's own file (<see cref="RunProgram"/>), pinned with a pidfd so that a
/// signal reaches that process and no other that later gets its pid.
/// </summary>
internal static class RunningDaemon
{
    /// <summary>
    /// A pidfd of the proven daemon, or null with the reason; <paramref name="holder"/> is the
    /// lock's holder (0 when nobody holds it, so no daemon runs with this pidfile).
    /// </summary>
    public static FileDescriptorHandle? TryFind(string pidFile, uint daemonUid, out int holder, out string reason)
    {
        holder = 0;
        using var file = PidFile.Open(pidFile, create: false);
        if (file is null)
        {
            reason = $"no pidfile {pidFile}";
            return null;
        }
        holder = Interop.LockHolder(file, pidFile);
        if (holder == 0)
        {
            reason = $"no process holds {pidFile}";
            return null;
        }
        if (!Interop.TryPidfdOpen(holder, out var pidfd, out _))
        {
            reason = $"pid {holder} has exited";
            return null;
        }
        if (!IsDaemon(holder, daemonUid, out reason) || Interop.LockHolder(file, pidFile) != holder)
        {
            reason = reason.Length > 0 ? reason : $"pid {holder} no longer holds {pidFile}";
            pidfd.Dispose();
            return null;
        }
        return pidfd;
    }

    /// <summary>Whether <paramref name="pid"/> runs the daemon's long-running image with the daemon user as its real uid; else why not.</summary>
    public static bool IsDaemon(int pid, uint daemonUid, out string reason)
    {
        reason = "";
        var proc = $"/proc/{pid.ToString(CultureInfo.InvariantCulture)}";
        string image;
        try
        {
            image = RunProgram.Executable();
        }
        catch (KnockKnockException e)
        {
            reason = e.Message;
            return false;
        }
        if (!Interop.TryStatPath(proc + "/exe", followSymlinks: true, out var exe, out var errno)
            || !Interop.TryStatPath(image, followSymlinks: true, out var daemon, out errno))
        {
            reason = $"cannot check pid {pid}: {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno)} (run as root)";
            return false;
        }
        if (exe.Device != daemon.Device || exe.Inode != daemon.Inode)
        {
            reason = $"pid {pid} is not knockknock-daemon (another executable than {image})";
            return false;
        }
        var realUid = RealUid(proc + "/status");
        if (realUid != daemonUid)
        {
            reason = $"pid {pid} does not run as the daemon user (uid {daemonUid})";
            return false;
        }
        return true;
    }

    /// <summary>The first field of the Uid: line of /proc/PID/status, or null.</summary>
    private static uint? RealUid(string statusPath)
    {
        try
        {
            foreach (var line in File.ReadLines(statusPath))
            {
                if (line.StartsWith("Uid:", StringComparison.Ordinal))
                {
                    var fields = line[4..].Split('\t', StringSplitOptions.RemoveEmptyEntries);
                    return fields.Length > 0 && uint.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var uid) ? uid : null;
                }
            }
        }
        catch (IOException)
        {
            // gone meanwhile
        }
        return null;
    }
}
