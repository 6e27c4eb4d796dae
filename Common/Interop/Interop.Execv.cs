using System.Runtime.InteropServices;

namespace KnockKnock;

internal static partial class Interop
{
    // int execv(const char *path, char *const argv[])
    [LibraryImport("libc", EntryPoint = "execv", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int ExecvNative(string path, byte** argv);

    /// <summary>
    /// execv(3): this process goes on as <paramref name="path"/> with <paramref name="arguments"/>
    /// (argv[0] first): the same pid, environment and descriptors (but those marked close-on-exec),
    /// its handled signals back to the default and its ignored ones still ignored. Returns only by
    /// throwing <see cref="ErrnoException"/>.
    /// </summary>
    public static unsafe void Exec(string path, IReadOnlyList<string> arguments)
    {
        var vector = (byte**)NativeMemory.AllocZeroed((nuint)(arguments.Count + 1), (nuint)sizeof(byte*));
        try
        {
            for (var i = 0; i < arguments.Count; i++)
            {
                vector[i] = (byte*)Marshal.StringToCoTaskMemUTF8(arguments[i]);
            }
            _ = ExecvNative(path, vector);
            throw Error("execv", path, Marshal.GetLastPInvokeError());
        }
        finally
        {
            for (var i = 0; i < arguments.Count; i++)
            {
                Marshal.FreeCoTaskMem((nint)vector[i]);
            }
            NativeMemory.Free(vector);
        }
    }
}
