using System.Runtime.InteropServices;
using Tmds.Linux;

namespace KnockKnock;

internal static partial class Interop
{
    /// <summary>The most a user or group lookup's buffer grows to while glibc asks for more (ERANGE): a group with thousands of members.</summary>
    private const int MaxEntryBuffer = 1 << 20;

    // glibc's struct passwd; the strings point into the caller's buffer.
    [StructLayout(LayoutKind.Sequential)]
    private struct Passwd
    {
        public nint Name;
        public nint Password;
        public uint Uid;
        public uint Gid;
        public nint Gecos;
        public nint Directory;
        public nint Shell;
    }

    // int getpwnam_r(const char *name, struct passwd *pwd, char *buf, size_t buflen, struct passwd **result)
    [LibraryImport("libc", EntryPoint = "getpwnam_r", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int GetPwNamNative(string name, Passwd* entry, byte* buffer, nuint length, Passwd** result);

    /// <summary>
    /// The user <paramref name="name"/>'s uid and gid (getpwnam_r: through NSS, as every tool looks
    /// users up), or null when there is none. Throws <see cref="ErrnoException"/> when the lookup
    /// itself failed.
    /// </summary>
    public static unsafe (uint Uid, uint Gid)? GetUser(string name)
    {
        for (var length = 1024; ; length *= 2)
        {
            Passwd entry;
            Passwd* result;
            int error;
            fixed (byte* buffer = new byte[length])
            {
                error = GetPwNamNative(name, &entry, buffer, (nuint)length, &result);
            }
            if (error == 0)
            {
                return result == null ? null : (entry.Uid, entry.Gid);
            }
            if (error != LibC.ERANGE || length >= MaxEntryBuffer)
            {
                throw Error("getpwnam_r", name, error);
            }
        }
    }
}
