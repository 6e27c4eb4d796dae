using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    // linux/seccomp.h, linux/filter.h
    private const uint SECCOMP_SET_MODE_FILTER = 1;
    private const uint SECCOMP_FILTER_FLAG_TSYNC = 1;
    private const ushort BPF_RET_K = 0x06;
    private const uint SECCOMP_RET_ALLOW = 0x7fff0000;

    /// <summary>
    /// no_new_privs for every thread. PR_SET_NO_NEW_PRIVS only marks the calling thread, and the
    /// runtime's other threads already exist; installing an allow-all seccomp filter with
    /// SECCOMP_FILTER_FLAG_TSYNC makes the kernel copy the filter and no_new_privs to all threads
    /// (kernel/seccomp.c, seccomp_sync_threads).
    /// </summary>
    public static unsafe void SetNoNewPrivilegesOnAllThreads()
    {
        SetNoNewPrivileges();
        var allow = new SockFilter { Code = BPF_RET_K, K = SECCOMP_RET_ALLOW };
        var program = new SockFprog { Length = 1, Filter = &allow };
        var result = SyscallNative(SyscallNumber(x64: 317, generic: 277), (nint)SECCOMP_SET_MODE_FILTER, (nint)SECCOMP_FILTER_FLAG_TSYNC, (nint)(&program), 0);
        Check(result, "seccomp(SECCOMP_FILTER_FLAG_TSYNC)");
        if (result != 0)
        {
            throw new InvalidOperationException($"seccomp(SECCOMP_FILTER_FLAG_TSYNC): thread {result} could not be synchronised");
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct SockFilter
    {
        public ushort Code;
        public byte JumpTrue;
        public byte JumpFalse;
        public uint K;
    }

    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct SockFprog
    {
        public ushort Length;
        public SockFilter* Filter;
    }
}
