using System.Runtime.InteropServices;

namespace KnockKnock;

/// <summary>
/// The libc bindings of every KnockKnock project: one file per native function, linked into the
/// projects that call it (each project's .csproj lists what it uses). Every import is declared with
/// SetLastError, so <see cref="Marshal.GetLastPInvokeError"/> holds that call's errno; Tmds.LibC's
/// <c>LibC.errno</c> is never read (it returns whatever the last SetLastError import saved, so it
/// can be stale). libsystemd's functions return -errno instead and set no errno: the sd_journal
/// imports have no SetLastError and go through <see cref="CheckNegative"/>; so do getpwnam_r and
/// getgrnam_r, which return the error number. This file is the one
/// place where errno becomes an exception. Calls that return a
/// descriptor are declared as returning <c>int</c> and checked before a
/// <see cref="FileDescriptorHandle"/> is made.
/// </summary>
internal static partial class Interop
{
    /// <summary>The exception for <paramref name="errno"/> of <paramref name="call"/> on <paramref name="path"/> (may be null).</summary>
    public static ErrnoException Error(string call, string? path, int errno) => new(call, path, errno);

    /// <summary>Returns <paramref name="result"/>, or throws for the errno of the import just called when it is -1.</summary>
    public static int Check(int result, string call, string? path = null)
        => result == -1 ? throw Error(call, path, Marshal.GetLastPInvokeError()) : result;

    /// <inheritdoc cref="Check(int, string, string?)"/>
    public static long Check(long result, string call, string? path = null)
        => result == -1 ? throw Error(call, path, Marshal.GetLastPInvokeError()) : result;

    /// <summary>Returns <paramref name="result"/>, or throws for the errno it carries when it is negative (libsystemd's -errno convention).</summary>
    public static int CheckNegative(int result, string call, string? path = null)
        => result < 0 ? throw Error(call, path, -result) : result;
}
