namespace KnockKnock.Client.Connect;

/// <summary>
/// What the capability drop of <see cref="RawSockets"/> relies on, and its check. Capabilities
/// belong to threads: capset(2) changes only the calling thread, and the runtime has started others
/// before Main. So the calling thread drops its own and sets no_new_privs, then executes the client
/// again in place: execve ends every other thread, and the new program's threads all start from the
/// executing thread's empty sets; no_new_privs keeps execve from granting the file capability
/// (or root's) again (capabilities(7), execve(2)). The new program then checks the kernel's view of
/// every thread (/proc/self/task/*/status).
/// </summary>
internal static class CapabilityDrop
{
    /// <summary>Empties this thread's capability sets and sets its no_new_privs, ready for execve.</summary>
    public static void DropBeforeExec()
    {
        Interop.DropAllCapabilities();
        Interop.SetNoNewPrivileges();
    }

    /// <summary>Whether every thread of this process has empty capability sets and no_new_privs; otherwise what is wrong with which thread.</summary>
    public static bool TryVerify(out string problem)
    {
        foreach (var task in Directory.GetDirectories("/proc/self/task"))
        {
            string status;
            try
            {
                status = File.ReadAllText(Path.Combine(task, "status"));
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                continue; // the thread ended meanwhile
            }
            if (!TryCheckStatus(status, out var wrong))
            {
                problem = $"thread {Path.GetFileName(task)}: {wrong}";
                return false;
            }
        }
        problem = "";
        return true;
    }

    /// <summary>Pure check of one /proc status text: CapInh, CapPrm, CapEff and CapAmb all zero, NoNewPrivs 1.</summary>
    public static bool TryCheckStatus(string status, out string problem)
    {
        foreach (var (field, expected) in new[] { ("CapInh", "0000000000000000"), ("CapPrm", "0000000000000000"), ("CapEff", "0000000000000000"), ("CapAmb", "0000000000000000"), ("NoNewPrivs", "1") })
        {
            var line = status.Split('\n').FirstOrDefault(l => l.StartsWith(field + ":", StringComparison.Ordinal));
            var actual = line?[(field.Length + 1)..].Trim();
            if (actual != expected)
            {
                problem = $"{field} is '{actual ?? "missing"}', expected '{expected}'";
                return false;
            }
        }
        problem = "";
        return true;
    }
}
