using System.Runtime.InteropServices;
using System.Text;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>int execv(const char *path, char *const argv[]): the environment stays this process's.</summary>
    [LibraryImport("libc", EntryPoint = "execv", SetLastError = true)]
    private static unsafe partial int ExecvNative(byte* path, byte** argv);

    /// <summary>
    /// Replaces this process's program (same pid, same descriptors but the close-on-exec ones) with
    /// <paramref name="path"/> run with <paramref name="argv"/> (argv[0] included). Returns only by
    /// throwing: execv returns only when it failed.
    /// </summary>
    public static unsafe void Execv(string path, IReadOnlyList<string> argv)
    {
        var strings = new List<nint>(argv.Count + 1);
        try
        {
            foreach (var text in argv.Prepend(path))
            {
                var bytes = Encoding.UTF8.GetBytes(text + "\0");
                var copy = Marshal.AllocHGlobal(bytes.Length);
                strings.Add(copy);
                Marshal.Copy(bytes, 0, copy, bytes.Length);
            }
            var pointers = stackalloc byte*[argv.Count + 1];
            for (var i = 0; i < argv.Count; i++)
            {
                pointers[i] = (byte*)strings[i + 1];
            }
            pointers[argv.Count] = null;
            Check(ExecvNative((byte*)strings[0], pointers), "execv", path);
            throw new InvalidOperationException("execv returned without an error");
        }
        finally
        {
            foreach (var copy in strings)
            {
                Marshal.FreeHGlobal(copy);
            }
        }
    }
}
