using System.Runtime.InteropServices;
using Tmds.Linux;

namespace KnockKnock;

internal static partial class Interop
{
    // glibc's struct group; the strings and the member list point into the caller's buffer.
    [StructLayout(LayoutKind.Sequential)]
    private struct Group
    {
        public nint Name;
        public nint Password;
        public uint Gid;
        public nint Members;
    }

    // int getgrnam_r(const char *name, struct group *grp, char *buf, size_t buflen, struct group **result)
    [LibraryImport("libc", EntryPoint = "getgrnam_r", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int GetGrNamNative(string name, Group* entry, byte* buffer, nuint length, Group** result);

    /// <summary>
    /// The group <paramref name="name"/>'s gid (getgrnam_r, through NSS), or null when there is none.
    /// Throws <see cref="ErrnoException"/> when the lookup itself failed.
    /// </summary>
    public static unsafe uint? GetGroupId(string name)
    {
        for (var length = 1024; ; length *= 2)
        {
            Group entry;
            Group* result;
            int error;
            fixed (byte* buffer = new byte[length])
            {
                error = GetGrNamNative(name, &entry, buffer, (nuint)length, &result);
            }
            if (error == 0)
            {
                return result == null ? null : entry.Gid;
            }
            if (error != LibC.ERANGE || length >= MaxEntryBuffer)
            {
                throw Error("getgrnam_r", name, error);
            }
        }
    }
}
