using System.ComponentModel;
using Tmds.Linux;

namespace KnockKnock.Daemon;

/// <summary>
/// Thin bindings over Tmds.LibC for the few shell types that touch the kernel (worker exec,
/// privilege drop). Every failed call becomes an exception here and only here.
/// </summary>
internal static partial class Interop
{
    /// <summary>Throws naming the call (and path) when <paramref name="result"/> is -1; returns it otherwise.</summary>
    public static int CheckResult(int result, string call, string? path = null)
        => result == -1 ? throw ErrnoException(call, path) : result;

    public static long CheckResult(long result, string call, string? path = null)
        => result == -1 ? throw ErrnoException(call, path) : result;

    /// <summary>The one place errno is turned into an exception.</summary>
    public static Win32Exception ErrnoException(string call, string? path = null) => ErrnoException(call, path, LibC.errno);

    public static Win32Exception ErrnoException(string call, string? path, int errno)
    {
        var inner = new Win32Exception(errno);
        var what = path is null ? call : $"{call} {path}";
        return new Win32Exception(errno, $"{what}: {inner.Message} (errno {errno})");
    }
}
