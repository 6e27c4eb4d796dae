using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>pid_t setsid(void): a new session without a controlling terminal.</summary>
    [LibraryImport("libc", EntryPoint = "setsid", SetLastError = true)]
    private static partial int SetsidNative();

    public static void StartSession() => Check(SetsidNative(), "setsid");
}
