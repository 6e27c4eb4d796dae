using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Tmds.Linux;

namespace KnockKnock.Crypto;

/// <summary>An open directory fd, used to lock a profile's counter and to fsync renames into it.</summary>
internal sealed class SafeDirectoryHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public SafeDirectoryHandle()
        : base(ownsHandle: true)
    {
    }

    public int Fd => (int)handle;

    protected override bool ReleaseHandle() => LibC.close((int)handle) == 0;
}

internal static partial class Interop
{
    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial SafeDirectoryHandle OpenNative(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FsyncNative(SafeDirectoryHandle fd);

    public static SafeDirectoryHandle OpenDirectory(string path)
    {
        var handle = OpenNative(path, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC | LibC.O_NOFOLLOW);
        if (handle.IsInvalid)
        {
            var errno = Marshal.GetLastPInvokeError();
            handle.Dispose();
            throw Error("open", path, errno);
        }
        return handle;
    }

    public static void Fsync(SafeDirectoryHandle directory, string path) => ThrowIfFailed(FsyncNative(directory), "fsync", path);

    /// <summary>lstat(2), done with statx: owner, mode and type of a path without following a final symlink.</summary>
    public static unsafe bool TryLstat(string path, out uint owner, out uint mode)
    {
        var bytes = Encoding.UTF8.GetBytes(path + "\0");
        StatxBuffer st;
        fixed (byte* p = bytes)
        {
            if (Statx(AT_FDCWD, p, AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_MODE | STATX_UID, &st) < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                owner = 0;
                mode = 0;
                return errno == LibC.ENOENT ? false : throw Error("statx", path, errno);
            }
        }
        owner = st.Uid;
        mode = st.Mode;
        return true;
    }

    public static uint EffectiveUserId => LibC.geteuid();

    /// <summary>lchown(2) to <paramref name="owner"/>, group unchanged.</summary>
    public static unsafe void Chown(string path, uint owner)
    {
        var bytes = Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = bytes)
        {
            if (Lchown(p, owner, uint.MaxValue) < 0)
            {
                throw Error("lchown", path, Marshal.GetLastPInvokeError());
            }
        }
    }
}
