using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>
    /// int malloc_trim(size_t pad) with pad 0: glibc gives every whole free page of its heaps back
    /// to the kernel (madvise), not only the top of the heap as free() does; returns whether any
    /// page went back. Never fails.
    /// </summary>
    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrimNative(nuint pad);

    /// <summary>malloc_trim(0): see <see cref="MallocTrimNative"/>.</summary>
    public static void ReleaseFreeHeapPages() => _ = MallocTrimNative(0);
}
