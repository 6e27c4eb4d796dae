using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>int dup2(int oldfd, int newfd)</summary>
    [LibraryImport("libc", EntryPoint = "dup2", SetLastError = true)]
    private static partial int Dup2Native(FileDescriptorHandle from, int to);

    /// <summary>Makes descriptor <paramref name="to"/> (0, 1 or 2) a copy of <paramref name="from"/>.</summary>
    public static void Dup2(FileDescriptorHandle from, int to) => Check(Dup2Native(from, to), "dup2", $"descriptor {to}");
}
