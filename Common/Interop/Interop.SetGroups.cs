using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>int setgroups(size_t size, const gid_t *list)</summary>
    [LibraryImport("libc", EntryPoint = "setgroups", SetLastError = true)]
    private static unsafe partial int SetGroupsNative(nuint size, uint* list);

    /// <summary>setgroups(0, NULL): no supplementary groups.</summary>
    public static unsafe void ClearSupplementaryGroups() => Check(SetGroupsNative(0, null), "setgroups");

    /// <summary>setgroups(1, &amp;gid): exactly one supplementary group.</summary>
    public static unsafe void SetSupplementaryGroup(uint gid) => Check(SetGroupsNative(1, &gid), "setgroups");
}
