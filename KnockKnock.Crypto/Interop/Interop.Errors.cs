using System.Runtime.InteropServices;

namespace KnockKnock.Crypto;

/// <summary>The Crypto project's few libc calls; errno becomes an exception here and nowhere else.</summary>
internal static partial class Interop
{
    public static void ThrowIfFailed(int result, string call, string path)
    {
        if (result < 0)
        {
            throw Error(call, path, Marshal.GetLastPInvokeError());
        }
    }

    public static KnockKnockException Error(string call, string path, int errno) =>
        KnockKnockException.Failure($"{call} {path}: {Marshal.GetPInvokeErrorMessage(errno)}");
}
