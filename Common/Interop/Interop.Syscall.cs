using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    // long syscall(long number, ...): integer and pointer arguments only, for calls glibc 2.36 wraps
    // late or not at all (seccomp, pidfd_open, pidfd_send_signal).
    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long SyscallNative(long number, nint arg1, nint arg2, nint arg3, nint arg4);

    /// <summary>The syscall number on this machine's architecture (x86-64 or the generic table of arm64).</summary>
    private static long SyscallNumber(long x64, long generic) => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => x64,
        Architecture.Arm64 => generic,
        var other => throw new PlatformNotSupportedException($"syscall numbers unknown for {other}"),
    };
}
