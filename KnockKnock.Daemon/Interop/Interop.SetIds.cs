namespace KnockKnock.Daemon;

internal static partial class Interop
{
    /// <summary>setgroups(0, NULL): no supplementary groups.</summary>
    public static unsafe void ClearSupplementaryGroups()
        => CheckResult(SetGroups(0, null), "setgroups");

    /// <summary>
    /// setresgid then setresuid, all three ids each. glibc broadcasts set*id to every thread of
    /// the process (the runtime's threads included), which the caller verifies per task.
    /// </summary>
    public static void SetAllIds(uint uid, uint gid)
    {
        CheckResult(SetResGid(gid, gid, gid), "setresgid");
        CheckResult(SetResUid(uid, uid, uid), "setresuid");
    }
}
